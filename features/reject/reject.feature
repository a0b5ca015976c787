@spec-reject
Feature: Reject a call
  The callee rejects with CALL_STATUS_REJECTED; the caller gets onOutgoingCallRejected.

  @id-REJ-001 @spec-reject @must
  Scenario: The callee rejects and the caller is told
    Given alice and bob are logged in
    When alice calls bob
    And bob rejects the call
    Then bob's command succeeds
    And bob gets the call with status rejected
    And alice receives onOutgoingCallRejected with status rejected
    And the Call in alice's onOutgoingCallRejected is the call
    And the Call in alice's onOutgoingCallRejected has sender bob
    And the callbacks of bob are onIncomingCallReceived
    And the server has the call rejected by bob

  @id-REJ-002 @spec-reject @spec-timeout-default @needs-virtual-time @must
  Scenario: A rejected call stops the caller's ring timer
    Given alice and bob are logged in
    When alice calls bob
    And 5 seconds pass
    And bob rejects the call
    Then alice receives onOutgoingCallRejected with status rejected 5 seconds after the call was placed
    And alice receives no other callback within 60 seconds
    And alice sent no unanswered update to the server
    And the server has the call rejected

  @id-REJ-003 @spec-reject @requires-active-call @should
  Scenario: After a rejection the caller has no active call and may call again
    Given alice and bob are logged in
    When alice calls bob
    And bob rejects the call
    Then alice receives onOutgoingCallRejected
    And alice has no active call
    When alice calls bob
    Then alice's command succeeds
    And alice's active call is the call with status initiated

  @id-REJ-004 @spec-reject @needs-virtual-time @must
  Scenario: A scripted callee rejects after 1 second
    Given alice is logged in
    When alice calls ring-reject-1s
    Then alice receives onOutgoingCallRejected with status rejected 1 second after the call was placed
    And alice receives no other callback within 60 seconds
    And the server has the call rejected

  @id-REJ-005 @spec-reject @must
  Scenario: The client rejects a scripted caller's call
    Given alice is logged in
    When remote dave calls alice
    And alice rejects the call
    Then alice's command succeeds
    And alice gets the call with status rejected
    And the server has the call rejected by alice
    And the callbacks of alice are onIncomingCallReceived
