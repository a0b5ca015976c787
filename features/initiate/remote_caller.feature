@spec-initiate
Feature: A call from a scripted remote user
  The client under test is the callee; the caller is a user the mock server drives.

  @id-INIT-020 @spec-initiate @must
  Scenario: A scripted caller's audio call rings the client
    Given alice is logged in
    When remote dave calls alice
    Then alice receives onIncomingCallReceived with status initiated
    And the Call in alice's onIncomingCallReceived is the call
    And the Call in alice's onIncomingCallReceived has initiator dave
    And the Call in alice's onIncomingCallReceived has receiverId alice
    And the Call in alice's onIncomingCallReceived has callType audio
    And alice receives no other callback
