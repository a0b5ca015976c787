Feature: Races, made deterministic by the virtual clock
  Two things at one instant: the server sees them in the order written, and every client must end
  up agreeing with the server about how the call ended.

  @id-RACE-001 @spec-accept @spec-cancel @must
  Scenario: Accept and cancel at the same instant, the accept first
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call and at the same instant alice cancels the call
    Then bob's command succeeds
    And alice's command fails with the server's error ERR_CALL_WRONG_STATE
    And alice receives onOutgoingCallAccepted with status ongoing
    And bob receives no onIncomingCallCancelled
    And the server has the call ongoing

  @id-RACE-002 @spec-accept @spec-cancel @must
  Scenario: Cancel and accept at the same instant, the cancel first
    Given alice and bob are logged in
    When alice calls bob
    And alice cancels the call and at the same instant bob accepts the call
    Then alice's command succeeds
    And bob's command fails with the server's error ERR_CALL_ALREADY_ENDED
    And bob receives onIncomingCallCancelled with status cancelled
    And alice receives no callback
    And the server has the call cancelled

  @id-RACE-003 @spec-accept @spec-timeout-default @needs-virtual-time @must
  Scenario: The callee accepts at the very instant the ring timer is due
    Given alice and bob are logged in
    When alice calls bob
    And 45 seconds pass and at that very instant bob accepts the call
    And 1 second passes
    Then bob's command succeeds
    And alice receives onOutgoingCallAccepted 45 seconds after the call was placed
    And alice receives no onOutgoingCallRejected
    And alice sent no unanswered update to the server
    And the server has the call ongoing

  @id-RACE-004 @spec-accept @spec-timeout-default @needs-virtual-time @must
  Scenario: The ring timer fires first, then the callee accepts at the same instant
    Given alice and bob are logged in
    When alice calls bob
    And 45 seconds pass
    And bob accepts the call
    Then alice receives onOutgoingCallRejected with status unanswered 45 seconds after the call was placed
    And bob's command fails with the server's error ERR_CALL_ALREADY_ENDED
    And bob receives onIncomingCallCancelled with status unanswered
    And alice receives no onOutgoingCallAccepted
    And the server has the call unanswered

  @id-RACE-005 @spec-initiate @spec-busy @must
  Scenario: Glare: both call each other at the same instant
    Given alice and bob are logged in
    When alice calls bob and at the same instant bob calls alice
    Then alice's command succeeds
    And bob's command succeeds
    And alice receives onIncomingCallReceived for bob's call
    And bob receives onIncomingCallReceived for alice's call
    When alice answers busy to bob's call
    Then bob receives onOutgoingCallRejected for bob's call with status busy
    When bob accepts alice's call
    Then bob's command succeeds
    And alice receives onOutgoingCallAccepted for alice's call with status ongoing
    And the server has alice's call ongoing
    And the server has bob's call busy

  @id-RACE-006 @spec-accept @spec-wire-dispatch @requires-multi-device @must
  Scenario: Two devices of the callee: one accepts, the other stops ringing
    Given alice and bob are logged in
    And bob is also logged in on a second device "bob-tablet"
    When alice calls bob
    Then bob-tablet receives onIncomingCallReceived
    When bob accepts the call
    Then alice receives onOutgoingCallAccepted exactly once
    And bob-tablet receives no onOutgoingCallAccepted
    And bob receives no onOutgoingCallAccepted

  @id-RACE-007 @spec-reject @spec-wire-dispatch @requires-multi-device @must
  Scenario: Two devices of the callee: one rejects, the other is not told it was rejected
    Given alice and bob are logged in
    And bob is also logged in on a second device "bob-tablet"
    When alice calls bob
    And bob rejects the call
    Then alice receives onOutgoingCallRejected with status rejected
    And bob-tablet receives no onOutgoingCallRejected

  @id-RACE-008 @spec-accept @requires-multi-device @should
  Scenario: Two devices of the callee accept at the same instant
    Given alice and bob are logged in
    And bob is also logged in on a second device "bob-tablet"
    When alice calls bob
    And bob accepts the call and at the same instant bob-tablet accepts the call
    Then bob's command succeeds
    And bob-tablet's command fails with the server's error ERR_CALL_ALREADY_ANSWERED
    And alice receives onOutgoingCallAccepted exactly once

  @id-RACE-009 @spec-initiate @spec-wire-dispatch @requires-multi-device @must
  Scenario: The caller's other device is not told of an incoming call
    Given alice and bob are logged in
    And alice is also logged in on a second device "alice-tablet"
    When alice calls bob
    Then bob receives onIncomingCallReceived
    And alice-tablet receives no onIncomingCallReceived

  @id-RACE-010 @robustness @must
  Scenario: A duplicated accept event fires onOutgoingCallAccepted once
    Given alice and bob are logged in
    And the server duplicates the next ongoing event to alice
    When alice calls bob
    And bob accepts the call
    Then alice receives onOutgoingCallAccepted exactly once
    And every injected fault took effect

  @id-RACE-011 @robustness @needs-virtual-time @must
  Scenario: A late duplicate of the accept, after the end, fires nothing
    Given alice and bob are logged in
    And the server duplicates the next ongoing event to alice, the copy 5 seconds later
    When alice calls bob
    And bob accepts the call
    Then alice receives onOutgoingCallAccepted
    When bob ends the call
    And 10 seconds pass
    Then alice receives onOutgoingCallAccepted exactly once
    And alice receives onCallEndedMessageReceived exactly once
    And every injected fault took effect

  @id-RACE-012 @spec-cancel @spec-accept @needs-virtual-time @must
  Scenario: The caller cancels at the very instant a scripted callee accepts
    Given alice is logged in
    When alice calls ring-accept-2s
    And 2 seconds pass and at that very instant alice cancels the call
    Then alice's command fails with the server's error ERR_CALL_WRONG_STATE
    And alice receives onOutgoingCallAccepted with status ongoing
    And the server has the call ongoing by ring-accept-2s
