Feature: A flaky network
  Sockets drop and events arrive twice or late; the client recovers and never reports a callback
  twice or after the call ended.

  @id-ROB-001 @robustness @spec-cancel @needs-virtual-time @must
  Scenario: The callee's socket drops while ringing; after reconnecting it hears the cancel
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived
    When the server closes bob's socket
    And 30 seconds pass
    And alice cancels the call
    Then bob receives onIncomingCallCancelled with status cancelled
    And every injected fault took effect

  @id-ROB-002 @robustness @spec-accept @needs-virtual-time @must
  Scenario: The callee's socket drops while ringing; it still accepts and the caller hears it
    Given alice and bob are logged in
    When alice calls bob
    And the server closes bob's socket
    And 10 seconds pass
    And bob accepts the call
    Then bob's command succeeds
    And alice receives onOutgoingCallAccepted with status ongoing
    And alice sent no unanswered update to the server

  @id-ROB-003 @robustness @spec-timeout-default @needs-virtual-time @must
  Scenario: The caller's socket drops while ringing; its ring timer still ends the call
    Given alice and bob are logged in
    When alice calls bob
    And the server closes alice's socket
    Then alice receives onOutgoingCallRejected with status unanswered 45 seconds after the call was placed
    And bob receives onIncomingCallCancelled with status unanswered 45 seconds after the call was placed

  @id-ROB-004 @robustness @must
  Scenario: A duplicated incoming-call event rings once
    Given alice and bob are logged in
    And the server duplicates the next initiated event to bob
    When alice calls bob
    Then bob receives onIncomingCallReceived exactly once
    And every injected fault took effect

  @id-ROB-005 @robustness @spec-accept @needs-virtual-time @must
  Scenario: A delayed accept event reaches the caller late, once
    Given alice and bob are logged in
    And the server delays the next ongoing event to alice by 3 seconds
    When alice calls bob
    And bob accepts the call
    Then alice receives onOutgoingCallAccepted 3 seconds after the call was placed
    And alice receives onOutgoingCallAccepted exactly once
    And alice sent no unanswered update to the server
    And every injected fault took effect

  @id-ROB-006 @robustness @needs-virtual-time @should
  Scenario: A duplicated cancel event fires onIncomingCallCancelled once
    Given alice and bob are logged in
    And the server duplicates the next cancelled event to bob
    When alice calls bob
    And alice cancels the call
    Then bob receives onIncomingCallCancelled exactly once
    And every injected fault took effect

  @id-ROB-007 @robustness @spec-end @needs-virtual-time @should
  Scenario: Reconnects are refused for 20 seconds; later events still arrive
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And the server closes alice's socket and refuses reconnects for 20 seconds
    And 40 seconds pass
    And bob ends the call
    Then alice receives onCallEndedMessageReceived with status ended
    And alice receives onOutgoingCallAccepted exactly once

  @id-ROB-008 @robustness @spec-end @needs-virtual-time @should
  Scenario: The callee's socket closes right after the ring; after reconnecting it hears the end
    Given alice and bob are logged in
    And the server closes bob's socket as the next initiated event reaches it
    When alice calls bob
    Then bob receives onIncomingCallReceived
    When 20 seconds pass
    And bob accepts the call
    And alice ends the call
    Then bob receives onCallEndedMessageReceived with status ended
    And alice receives onOutgoingCallAccepted exactly once
    And every injected fault took effect
