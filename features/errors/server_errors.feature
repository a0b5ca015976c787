@spec-errors
Feature: Refused moves and their error codes
  When the server refuses a move, the client's promise rejects with the server's error envelope
  ({code, message, details}) passed through unchanged (wire facts §2.2).

  @id-ERR-001 @spec-errors @must
  Scenario: Accepting an unknown session
    Given bob is logged in
    When bob accepts the call "v1.eu.ringside.no-such-call"
    Then bob's command fails with the server's error ERR_CALL_NOT_FOUND
    And bob receives no callback

  @id-ERR-002 @spec-errors @must
  Scenario: Rejecting an unknown session
    Given bob is logged in
    When bob rejects the call "v1.eu.ringside.no-such-call"
    Then bob's command fails with the server's error ERR_CALL_NOT_FOUND

  @id-ERR-003 @spec-errors @must
  Scenario: Accepting someone else's call
    Given alice and carol are logged in
    When alice calls ring-noanswer
    And carol accepts the call
    Then carol's command fails with the server's error ERR_NOT_A_PARTICIPANT
    And alice receives no onOutgoingCallAccepted
    And the server has the call initiated

  @id-ERR-004 @spec-errors @spec-cancel @must
  Scenario: Accepting a call the caller already cancelled
    Given alice and bob are logged in
    When alice calls bob
    And alice cancels the call
    And bob accepts the call
    Then bob's command fails with the server's error ERR_CALL_ALREADY_ENDED
    And bob receives onIncomingCallCancelled with status cancelled
    And alice receives no callback
    And the server has the call cancelled

  @id-ERR-005 @spec-errors @spec-accept @requires-active-call @must
  Scenario: Accepting again after the accepted call was cleared locally
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And bob clears the active call
    And bob accepts the call
    Then bob's command fails with the server's error ERR_CALL_ALREADY_ANSWERED
    And alice receives onOutgoingCallAccepted exactly once
    And the server has the call ongoing by bob

  @id-ERR-006 @spec-errors @spec-accept @must
  Scenario: Accepting twice on the same device is refused locally
    Given alice is logged in
    When remote dave calls alice
    And alice accepts the call
    And alice accepts the call
    Then alice's command fails with CALL_IN_PROGRESS
    And the server has the call ongoing by alice

  @id-ERR-007 @spec-errors @spec-reject @must
  Scenario: Rejecting a call after accepting it
    Given alice is logged in
    When remote dave calls alice
    And alice accepts the call
    And alice rejects the call
    Then alice's command fails with the server's error ERR_CALL_ALREADY_ANSWERED
    And the server has the call ongoing by alice

  @id-ERR-008 @spec-errors @spec-end @must
  Scenario: Ending a call that was never accepted
    Given alice and bob are logged in
    When alice calls bob
    And alice ends the call
    Then the server refused alice's last call request with ERR_CALL_WRONG_STATE
    And bob receives no onCallEndedMessageReceived
    And the server has the call initiated

  @id-ERR-009 @spec-errors @spec-initiate @must
  Scenario: Calling while a call is active is refused locally with CALL_ALREADY_INITIATED
    Given alice and bob are logged in
    And carol exists but is not logged in
    When alice calls bob
    And alice calls carol
    Then alice's command fails with CALL_ALREADY_INITIATED
    And the server has 1 call

  @id-ERR-010 @spec-errors @spec-busy @must
  Scenario: Accepting while on another call is refused locally with CALL_IN_PROGRESS
    Given alice and bob are logged in
    And bob is on a call with remote carol
    When alice calls bob
    And bob accepts the call
    Then bob's command fails with CALL_IN_PROGRESS
    And alice receives no onOutgoingCallAccepted
    And the server has the call initiated
    And the server has carol's call ongoing

  @id-ERR-011 @spec-errors @spec-cancel @must
  Scenario: The callee may not cancel
    Given alice is logged in
    When remote dave calls alice
    And alice rejects the call with status cancelled
    Then alice's command fails with the server's error ERR_CALL_ROLE_NOT_ALLOWED
    And the server has the call initiated

  @id-ERR-012 @spec-errors @spec-timeout-default @needs-virtual-time @must
  Scenario: Accepting a call that already timed out
    Given alice is logged in
    When remote dave calls alice
    And 45 seconds pass
    And remote dave gives up on the call as unanswered
    And 5 seconds pass
    And alice accepts the call
    Then alice's command fails with the server's error ERR_CALL_ALREADY_ENDED
    And alice receives onIncomingCallCancelled with status unanswered

  @id-ERR-013 @spec-errors @spec-initiate @must
  Scenario: Calling a user who does not exist
    Given alice is logged in
    When alice calls nobody-here
    Then alice's command fails with the server's error ERR_RECEIVER_NOT_FOUND
    And the server has 0 calls

  @id-ERR-014 @spec-errors @spec-initiate @should
  Scenario: Calling oneself
    Given alice is logged in
    When alice calls alice
    Then alice's command fails with the server's error ERR_CANNOT_CALL_SELF

  @id-ERR-015 @spec-errors @spec-group @requires-group-calls @should
  Scenario: Calling a group one is not a member of
    Given alice is logged in
    And a group team with members bob and carol
    When alice calls the group team
    Then alice's command fails with the server's error ERR_NOT_A_MEMBER

  @id-ERR-016 @spec-errors @spec-reject @should
  Scenario: Rejecting a call that was already rejected, from a scripted caller
    Given alice is logged in
    When remote dave calls alice
    And remote dave cancels the call
    And alice rejects the call
    Then alice's command fails with the server's error ERR_CALL_ALREADY_ENDED
    And alice receives onIncomingCallCancelled

  @id-ERR-017 @spec-errors @spec-accept @must
  Scenario: A client whose own call is still ringing cannot accept an incoming one
    Given alice, bob and carol are logged in
    When bob calls carol
    And alice calls bob
    And bob accepts the call
    Then bob's command fails with CALL_IN_PROGRESS
    And the server has the call initiated
    And the server has bob's call initiated
    And alice receives no onOutgoingCallAccepted

  @id-ERR-018 @spec-errors @spec-session @requires-generate-token @must
  Scenario: A call token for someone else's call is refused
    Given alice and carol are logged in
    When alice calls ring-noanswer
    And carol generates a call token for the call
    Then carol's command fails with ERR_NOT_A_PARTICIPANT
