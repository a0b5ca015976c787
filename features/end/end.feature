@spec-end
Feature: End a call
  Either party ends an accepted call with endCall; the other side gets onCallEndedMessageReceived,
  the side that ended it does not.

  @id-END-001 @spec-end @spec-wire-echo @must
  Scenario: The caller ends; only the callee is told
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And alice ends the call
    Then alice's command succeeds
    And bob receives onCallEndedMessageReceived with status ended
    And the Call in bob's onCallEndedMessageReceived is the call
    And alice receives onOutgoingCallAccepted
    And alice receives no other callback within 5 seconds
    And the server has the call ended by alice

  @id-END-002 @spec-end @must
  Scenario: The callee ends; only the caller is told
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And bob ends the call
    Then bob's command succeeds
    And bob gets the call with status ended
    And alice receives onCallEndedMessageReceived with status ended
    And the Call in alice's onCallEndedMessageReceived is the call
    And the callbacks of alice are onOutgoingCallAccepted, onCallEndedMessageReceived
    And the callbacks of bob are onIncomingCallReceived
    And the server has the call ended by bob

  @id-END-003 @spec-end @needs-virtual-time @must
  Scenario: A ten minute call ends when the callee hangs up
    Given alice and bob are logged in
    When alice calls bob with a video call
    And bob accepts the call
    And 10 minutes pass
    And bob ends the call
    Then alice receives onCallEndedMessageReceived with status ended 600 seconds after the call was placed
    And the callbacks of alice are onOutgoingCallAccepted, onCallEndedMessageReceived
    And the server has the call ended

  @id-END-004 @spec-end @spec-wire-fields @needs-virtual-time @should
  Scenario: The ended call still says when it was joined
    Given alice and bob are logged in
    When alice calls bob
    And 5 seconds pass
    And bob accepts the call
    And 2 minutes pass
    And alice ends the call
    Then bob receives onCallEndedMessageReceived with status ended
    And the Call in bob's onCallEndedMessageReceived has joinedAt of the moment the call was accepted
    And the Call in bob's onCallEndedMessageReceived has initiator alice

  @id-END-005 @spec-end @requires-active-call @must
  Scenario: After the end neither side has an active call
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And bob ends the call
    Then alice receives onCallEndedMessageReceived
    And alice has no active call
    And bob has no active call

  @id-END-006 @spec-end @spec-initiate @should
  Scenario: After the end the caller may call again
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And alice ends the call
    And alice calls bob
    Then alice's command succeeds
    And bob receives onIncomingCallReceived exactly twice
    And the server has the call initiated

  @id-END-007 @spec-end @needs-virtual-time @must
  Scenario: A scripted callee accepts after 1 second and hangs up 2 seconds later
    Given alice is logged in
    When alice calls ring-accept-1s-end-2s
    Then alice receives onOutgoingCallAccepted 1 second after the call was placed
    And alice receives onCallEndedMessageReceived with status ended 3 seconds after the call was placed
    And alice receives no other callback within 60 seconds
    And the server has the call ended by ring-accept-1s-end-2s

  @id-END-008 @spec-end @must
  Scenario: A scripted caller hangs up on the client
    Given alice is logged in
    When remote dave calls alice
    And alice accepts the call
    And remote dave ends the call
    Then alice receives onCallEndedMessageReceived with status ended
    And the Call in alice's onCallEndedMessageReceived is the call
    And the callbacks of alice are onIncomingCallReceived, onCallEndedMessageReceived

  @id-END-009 @spec-end @must
  Scenario: The client hangs up on a scripted caller
    Given alice is logged in
    When remote dave calls alice
    And alice accepts the call
    And alice ends the call
    Then alice's command succeeds
    And the server has the call ended by alice
    And the callbacks of alice are onIncomingCallReceived

  @id-END-010 @spec-end @needs-virtual-time @must
  Scenario: A caller from a loaded script hangs up 5 seconds after the client accepts
    Given alice is logged in
    When scripted user erin calls alice and hangs up 5 seconds after an accept
    And 2 seconds pass
    And alice accepts the call
    Then alice receives onCallEndedMessageReceived with status ended 7 seconds after the call was placed
    And the callbacks of alice are onIncomingCallReceived, onCallEndedMessageReceived
    And the server has the call ended by erin

  @id-END-011 @spec-end @needs-virtual-time @should
  Scenario: A quarter-hour call with a scripted callee ends when it hangs up
    Given alice is logged in
    When alice calls ring-accept-1s-end-900s with a video call
    Then alice receives onOutgoingCallAccepted 1 second after the call was placed
    And alice receives onCallEndedMessageReceived with status ended 901 seconds after the call was placed
    And the callbacks of alice are onOutgoingCallAccepted, onCallEndedMessageReceived
    And alice sent no unanswered update to the server
    And the server has the call ended by ring-accept-1s-end-900s

  @id-END-012 @spec-end @spec-initiate @should
  Scenario: After the caller hangs up, the callee may call back at once
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And alice ends the call
    Then bob receives onCallEndedMessageReceived
    When bob calls alice
    Then bob's command succeeds
    And alice receives onIncomingCallReceived
    And the server has bob's call initiated

  @id-END-013 @spec-end @spec-initiate @needs-virtual-time @should
  Scenario: After a scripted callee hangs up, the client may call again
    Given alice and bob are logged in
    When alice calls ring-accept-1s-end-2s
    And 3 seconds pass
    Then alice receives onCallEndedMessageReceived
    When alice calls bob
    Then alice's command succeeds
    And bob receives onIncomingCallReceived

  @id-END-014 @spec-end @needs-virtual-time @must
  Scenario: The ended Call carries the call's duration, on both sides
    Given alice and bob are logged in
    When alice calls bob
    And 5 seconds pass
    And bob accepts the call
    And 2 minutes pass
    And alice ends the call
    Then alice's command succeeds
    And alice gets the call with status ended
    And alice gets a call with duration 120
    And bob receives onCallEndedMessageReceived with status ended
    And the Call in bob's onCallEndedMessageReceived has duration 120

  @id-END-015 @spec-end @needs-virtual-time @must
  Scenario: The Call endCall returns to the callee carries the call's duration
    Given alice is logged in
    When remote dave calls alice
    And 3 seconds pass
    And alice accepts the call
    And 10 minutes pass
    And alice ends the call
    Then alice's command succeeds
    And alice gets the call with status ended
    And alice gets a call with duration 600
    And the server has the call ended by alice

  @id-END-016 @spec-end @needs-virtual-time @must
  Scenario: A scripted caller hangs up after three minutes; the client is told the duration
    Given alice is logged in
    When remote dave calls alice
    And alice accepts the call
    And 3 minutes pass
    And remote dave ends the call
    Then alice receives onCallEndedMessageReceived with status ended
    And the Call in alice's onCallEndedMessageReceived has duration 180
    And the Call in alice's onCallEndedMessageReceived is the call

  @id-END-017 @spec-end @needs-virtual-time @should
  Scenario: A scripted callee hangs up after a quarter of an hour; the caller is told the duration
    Given alice is logged in
    When alice calls ring-accept-1s-end-900s
    Then alice receives onCallEndedMessageReceived with status ended 901 seconds after the call was placed
    And the Call in alice's onCallEndedMessageReceived has duration 900

  @id-END-018 @spec-end @requires-active-call @must
  Scenario: Clearing the active call after endCall succeeded leaves none, and the caller may call again
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And alice ends the call
    Then alice gets the call with status ended
    When alice clears the active call
    Then alice's command succeeds
    And alice has no active call
    And bob receives onCallEndedMessageReceived with status ended
    When alice calls bob
    Then alice's command succeeds
    And bob receives onIncomingCallReceived
