@spec-initiate
Feature: Ringing
  While a call rings nothing else happens: the callee hears it at once, on every device, and the
  call waits for an answer until the caller's ring timer says otherwise.

  @id-RING-001 @spec-initiate @needs-virtual-time @must
  Scenario: The callee hears the call the instant it is placed
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived 0 seconds after the call was placed

  @id-RING-003 @spec-initiate @requires-multi-device @must
  Scenario: Every device of the callee rings
    Given alice and bob are logged in
    And bob is also logged in on a second device "bob-tablet"
    When alice calls bob
    Then bob receives onIncomingCallReceived with status initiated
    And bob-tablet receives onIncomingCallReceived with status initiated
    And the Call in bob-tablet's onIncomingCallReceived is the call
    And alice receives no callback

  @id-RING-004 @spec-initiate @should
  Scenario: A second call to the same user rings again with a new session
    Given alice and bob are logged in
    When alice calls bob
    And bob rejects the call
    And alice calls bob
    Then alice's command succeeds
    And bob receives onIncomingCallReceived exactly twice
    And the Call in bob's onIncomingCallReceived is the call
    And the server has 2 calls

  @id-RING-005 @spec-initiate @needs-virtual-time @must
  Scenario: A call to a scripted user rings until it answers
    Given alice is logged in
    When alice calls ring-accept-2s
    And 1 second passes
    Then alice receives no callback
    And the server has the call initiated
    And alice receives onOutgoingCallAccepted 2 seconds after the call was placed
