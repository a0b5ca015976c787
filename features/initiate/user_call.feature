@spec-initiate
Feature: Initiate a call to a user
  The caller's initiateCall returns the Call; the receiver gets onIncomingCallReceived.

  @id-INIT-001 @must
  Scenario: An audio call to a user rings the receiver
    Given alice and bob are logged in
    When alice calls bob
    Then alice gets a call with status initiated
    And alice gets a call with callType audio
    And alice gets a call with receiverType user
    And alice gets a call with receiverId bob
    And alice gets a call with initiator alice
    And alice gets a call with sessionId set
    And bob receives onIncomingCallReceived with status initiated
    And the Call in bob's onIncomingCallReceived has initiator alice
    And the Call in bob's onIncomingCallReceived has callType audio
    And alice receives no callback
