@spec-initiate @spec-group
Feature: Initiate a call to a group
  initiateCall with receiverType group rings every member of the group but the caller.

  @id-INIT-010 @spec-initiate @spec-group @requires-group-calls @must
  Scenario: The Call of a group call names the group
    Given alice is logged in
    And a group team with members alice, ring-noanswer@i10 and ring-noanswer@i10b
    When alice calls the group team
    Then alice gets a call with status initiated
    And alice gets a call with receiverType group
    And alice gets a call with receiverId team
    And alice gets a call with initiator alice
    And alice gets a call with sessionId set

  @id-INIT-011 @spec-initiate @spec-group @requires-group-calls @must
  Scenario: A video group call reaches every member as a video call
    Given alice and bob are logged in
    And a group team with members alice, bob and ring-noanswer@i11
    When alice calls the group team with a video call
    Then bob receives onIncomingCallReceived with status initiated
    And the Call in bob's onIncomingCallReceived has callType video
    And the Call in bob's onIncomingCallReceived has receiverType group
    And the Call in bob's onIncomingCallReceived has receiverId team
    And the Call in bob's onIncomingCallReceived has initiator alice
    And the Call in bob's onIncomingCallReceived is the call
    And alice receives no callback
