@spec-timeout-default
Feature: An unanswered call ends after 45 seconds
  By default an unanswered call is automatically cancelled after 45 seconds: the caller's ring
  timer sends unanswered; the caller gets onOutgoingCallRejected and the callee
  onIncomingCallCancelled, both with status unanswered.

  @id-TMO-001 @spec-timeout-default @needs-virtual-time @must
  Scenario: Nobody answers for 45 seconds
    Given alice and bob are logged in
    When alice calls bob
    Then alice receives onOutgoingCallRejected with status unanswered 45 seconds after the call was placed
    And bob receives onIncomingCallCancelled with status unanswered 45 seconds after the call was placed
    And the Call in alice's onOutgoingCallRejected is the call
    And the server has the call unanswered by alice

  @id-TMO-002 @spec-timeout-default @needs-virtual-time @must
  Scenario: The call still rings one second before the timeout, and not after it
    Given alice and bob are logged in
    When alice calls bob
    And 44 seconds pass
    Then alice receives no callback
    And the server has the call initiated
    When 1 more second passes
    Then alice receives onOutgoingCallRejected with status unanswered
    And bob receives onIncomingCallCancelled with status unanswered
    And alice receives no other callback within 120 seconds
    And the callbacks of bob are onIncomingCallReceived, onIncomingCallCancelled

  @id-TMO-003 @spec-timeout-default @requires-active-call @needs-virtual-time @should
  Scenario: After the timeout the caller has no active call and may call again
    Given alice is logged in
    And bob exists but is not logged in
    When alice calls ring-noanswer
    And 45 seconds pass
    Then alice receives onOutgoingCallRejected with status unanswered
    And alice has no active call
    When alice calls bob
    Then alice's command succeeds

  @id-TMO-004 @spec-timeout-default @needs-virtual-time @must
  Scenario: A scripted callee that never answers is timed out after 45 seconds
    Given alice is logged in
    When alice calls ring-noanswer
    Then alice receives onOutgoingCallRejected with status unanswered 45 seconds after the call was placed
    And the server has the call unanswered by alice

  @id-TMO-005 @spec-timeout-default @needs-virtual-time @must
  Scenario: A call to a user who is not logged in times out too
    Given alice is logged in
    And bob exists but is not logged in
    When alice calls bob
    Then alice receives onOutgoingCallRejected with status unanswered 45 seconds after the call was placed
    And the server has the call unanswered

  @id-TMO-006 @spec-timeout-default @needs-virtual-time @must
  Scenario: The client hears a scripted caller give up after 45 seconds
    Given alice is logged in
    When remote dave calls alice
    And 45 seconds pass
    And remote dave gives up on the call as unanswered
    Then alice receives onIncomingCallCancelled with status unanswered 45 seconds after the call was placed
    And the callbacks of alice are onIncomingCallReceived, onIncomingCallCancelled

  @id-TMO-007 @spec-timeout-default @needs-virtual-time @should
  Scenario: Two calls in a row each get their own 45 seconds
    Given alice is logged in
    When alice calls ring-noanswer
    And 45 seconds pass
    Then alice receives onOutgoingCallRejected with status unanswered
    When 30 seconds pass
    And alice calls ring-noanswer
    Then alice receives onOutgoingCallRejected with status unanswered 45 seconds after the call was placed
    And alice receives onOutgoingCallRejected exactly twice
    And the server has 2 calls

  @id-TMO-008 @spec-timeout-default @needs-virtual-time @should
  Scenario: A caller from a loaded script gives up after 45 seconds like the SDK's ring timer
    Given alice is logged in
    When scripted user erin calls alice and gives up after 45 seconds
    Then alice receives onIncomingCallCancelled with status unanswered 45 seconds after the call was placed
    And the server has the call unanswered by erin

  @id-TMO-018 @spec-timeout-default @spec-accept @needs-virtual-time @must
  Scenario: An accept half a second before the timeout stops the ring timer in time
    Given alice and bob are logged in
    When alice calls bob
    And 44.5 seconds pass
    And bob accepts the call
    And 5 seconds pass
    Then bob's command succeeds
    And alice receives onOutgoingCallAccepted 44.5 seconds after the call was placed
    And alice receives no onOutgoingCallRejected
    And alice sent no unanswered update to the server
    And the server has the call ongoing
