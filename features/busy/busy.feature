@spec-busy
Feature: Busy
  A callee already on a call answers a new call with CALL_STATUS_BUSY; the caller gets
  onOutgoingCallRejected with status busy, and the call in progress goes on untouched.

  @id-BUSY-001 @spec-busy @must
  Scenario: A callee on another call answers busy
    Given alice and bob are logged in
    And bob is on a call with carol
    When alice calls bob
    Then bob receives onIncomingCallReceived for alice's call
    When bob answers busy
    Then bob's command succeeds
    And bob gets the call with status busy
    And alice receives onOutgoingCallRejected with status busy
    And the Call in alice's onOutgoingCallRejected is the call
    And the server has the call busy by bob
    And the server has carol's call ongoing
    And carol receives no other callback
    And bob receives no other callback

  @id-BUSY-002 @spec-busy @requires-active-call @should
  Scenario: Answering busy keeps the call in progress active
    Given alice and bob are logged in
    And bob is on a call with remote carol
    When alice calls bob
    And bob answers busy
    Then alice receives onOutgoingCallRejected with status busy
    And bob's active call is carol's call with status ongoing
    And alice has no active call

  @id-BUSY-004 @spec-busy @needs-virtual-time @must
  Scenario: A scripted callee answers busy after 1 second
    Given alice is logged in
    When alice calls ring-busy-1s
    Then alice receives onOutgoingCallRejected with status busy 1 second after the call was placed
    And alice receives no other callback within 60 seconds
    And alice sent no unanswered update to the server
    And the server has the call busy

  @id-BUSY-005 @spec-busy @must
  Scenario: A client on a call with a scripted user answers another scripted caller busy
    Given bob is on a call with remote carol
    When remote dave calls bob
    Then bob receives onIncomingCallReceived for dave's call
    When bob answers busy
    Then bob's command succeeds
    And the server has the call busy by bob
    And the server has carol's call ongoing
    And bob receives no other callback

  @id-BUSY-006 @spec-busy @spec-end @should
  Scenario: After answering busy the callee can still end its call in progress
    Given alice and bob are logged in
    And bob is on a call with carol
    When alice calls bob
    And bob answers busy
    And bob ends carol's call
    Then carol receives onCallEndedMessageReceived for carol's call with status ended
    And alice receives onOutgoingCallRejected with status busy
    And the server has carol's call ended

  @id-BUSY-007 @spec-busy @spec-errors @must
  Scenario: A busy answer the server refuses fails with its error, and the call in progress goes on
    Given alice and bob are logged in
    And bob is on a call with remote carol
    When alice calls bob
    And alice cancels the call
    And bob answers busy
    Then bob's command fails with the server's error ERR_CALL_ALREADY_ENDED
    And bob receives onIncomingCallCancelled with status cancelled
    And the server has the call cancelled by alice
    And the server has carol's call ongoing

  @id-BUSY-008 @spec-busy @spec-errors @must
  Scenario: Answering busy to an unknown session fails with the server's error
    Given bob is on a call with remote carol
    When bob answers busy to the call "v1.eu.ringside.no-such-call"
    Then bob's command fails with the server's error ERR_CALL_NOT_FOUND
    And the server has carol's call ongoing

  @id-BUSY-009 @spec-busy @spec-group @requires-group-calls @needs-virtual-time @must
  Scenario: A client member on another call answers a group call busy
    Given alice and bob are logged in
    And bob is on a call with remote carol
    And a group team with members alice, bob and ring-busy-1s@b9
    When alice calls the group team
    Then bob receives onIncomingCallReceived with status initiated
    When bob answers busy
    Then bob's command succeeds
    And bob gets the call with status busy
    And alice receives no callback
    And the server has the call initiated
    And alice receives onOutgoingCallRejected with status busy 1 second after the call was placed
    And the server has the call busy
    And the server has carol's call ongoing
