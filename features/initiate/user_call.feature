@spec-initiate
Feature: Initiate a call to a user
  The caller's initiateCall returns the Call; the receiver gets onIncomingCallReceived.

  @id-INIT-001 @spec-wire-echo @must
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

  @id-INIT-002 @spec-initiate @must
  Scenario: A video call to a user is a video call on both sides
    Given alice and bob are logged in
    When alice calls bob with a video call
    Then alice gets a call with callType video
    And alice gets a call with status initiated
    And bob receives onIncomingCallReceived with status initiated
    And the Call in bob's onIncomingCallReceived has callType video
    And the Call in bob's onIncomingCallReceived is the call

  @id-INIT-003 @spec-initiate @must
  Scenario: The Call initiateCall returns describes the new call
    Given alice and bob are logged in
    When alice calls bob
    Then alice's command succeeds
    And alice gets a call with sessionId set
    And alice gets a call with status initiated
    And alice gets a call with receiverId bob
    And alice gets a call with receiverType user
    And alice gets a call with initiator alice
    And alice gets a call with initiatedAt set
    And alice gets a call with joinedAt null
    And the server has the call initiated by alice

  @id-INIT-004 @spec-initiate @spec-listeners @must
  Scenario: onIncomingCallReceived carries the caller, the session id and the call type
    Given alice and bob are logged in
    When alice calls bob with a video call
    Then bob receives onIncomingCallReceived with status initiated
    And the Call in bob's onIncomingCallReceived is the call
    And the Call in bob's onIncomingCallReceived has initiator alice
    And the Call in bob's onIncomingCallReceived has sender alice
    And the Call in bob's onIncomingCallReceived has receiverId bob
    And the Call in bob's onIncomingCallReceived has receiverType user
    And the Call in bob's onIncomingCallReceived has callType video
    And the Call in bob's onIncomingCallReceived has initiatedAt set
    And bob receives no other callback

  @id-INIT-006 @spec-initiate @requires-active-call @should
  Scenario: The initiated call becomes the caller's active call
    Given alice and bob are logged in
    When alice calls bob
    Then alice's active call is the call with status initiated
    And bob has no active call
