@spec-group
Feature: Group calls
  A group call rings every member but the caller. The SDK's group rules (wire facts §4): members get
  onIncomingCallReceived; only the initiator gets onOutgoingCallAccepted / onOutgoingCallRejected;
  one member's reject is a decline heard only by that member until all have declined; a second
  member's accept while the call is ongoing is a join; cancel, unanswered and ended reach everyone.

  @id-GRP-001 @spec-group @requires-group-calls @must
  Scenario: Every member but the caller rings
    Given alice, bob and carol are logged in
    And a group team with members alice, bob and carol
    When alice calls the group team
    Then bob receives onIncomingCallReceived with status initiated
    And carol receives onIncomingCallReceived with status initiated
    And the Call in bob's onIncomingCallReceived is the call
    And alice receives no callback within 5 seconds

  @id-GRP-002 @spec-group @spec-accept @requires-group-calls @must
  Scenario: A member accepts: only the caller is told
    Given alice, bob and carol are logged in
    And a group team with members alice, bob and carol
    When alice calls the group team
    And bob accepts the call
    Then bob's command succeeds
    And bob gets the call with status ongoing
    And alice receives onOutgoingCallAccepted with status ongoing
    And carol receives no onOutgoingCallAccepted
    And the callbacks of carol are onIncomingCallReceived
    And the callbacks of bob are onIncomingCallReceived

  @id-GRP-003 @spec-group @spec-reject @requires-group-calls @must
  Scenario: One member's reject is heard only by that member
    Given alice, bob and carol are logged in
    And a group team with members alice, bob and carol
    When alice calls the group team
    And bob rejects the call
    Then bob's command succeeds
    And alice receives no callback
    And the callbacks of carol are onIncomingCallReceived
    And the server has the call initiated

  @id-GRP-004 @spec-group @spec-reject @requires-group-calls @needs-virtual-time @must
  Scenario: When every member has rejected, the caller is told
    Given alice and bob are logged in
    And a group team with members alice, bob and ring-reject-1s@g4
    When alice calls the group team
    And bob rejects the call
    Then alice receives onOutgoingCallRejected with status rejected 1 second after the call was placed
    And bob receives no onOutgoingCallRejected
    And the server has the call rejected

  @id-GRP-005 @spec-group @spec-busy @requires-group-calls @needs-virtual-time @must
  Scenario: When every member is busy, the caller is told busy
    Given alice is logged in
    And a group team with members alice, ring-busy-1s@g1 and ring-busy-2s@g1
    When alice calls the group team
    Then alice receives onOutgoingCallRejected with status busy 2 seconds after the call was placed
    And alice receives no other callback within 60 seconds
    And the server has the call busy

  @id-GRP-006 @spec-group @spec-cancel @requires-group-calls @must
  Scenario: The caller cancels: every member is told
    Given alice and bob are logged in
    And a group team with members alice, bob and ring-noanswer@g6
    When alice calls the group team
    And alice cancels the call
    Then bob receives onIncomingCallCancelled with status cancelled
    And alice receives no callback

  @id-GRP-007 @spec-group @spec-timeout-default @requires-group-calls @needs-virtual-time @must
  Scenario: Nobody in the group answers for 45 seconds
    Given alice and bob are logged in
    And a group team with members alice, bob and ring-noanswer@g7
    When alice calls the group team
    Then alice receives onOutgoingCallRejected with status unanswered 45 seconds after the call was placed
    And bob receives onIncomingCallCancelled with status unanswered 45 seconds after the call was placed
    And the server has the call unanswered by alice

  @id-GRP-008 @spec-group @spec-accept @spec-timeout-default @requires-group-calls @needs-virtual-time @must
  Scenario: An accepted group call stops the caller's ring timer
    Given alice is logged in
    And a group team with members alice, ring-accept-1s@g8 and ring-noanswer@g8
    When alice calls the group team
    Then alice receives onOutgoingCallAccepted with status ongoing 1 second after the call was placed
    And alice receives no other callback within 60 seconds
    And alice sent no unanswered update to the server
    And the server has the call ongoing

  @id-GRP-009 @spec-group @spec-accept @requires-group-calls @must
  Scenario: A second member joins: the caller hears of the first accept only
    Given alice, bob and carol are logged in
    And a group team with members alice, bob and carol
    When alice calls the group team
    And bob accepts the call
    And carol accepts the call
    Then carol's command succeeds
    And carol gets the call with status ongoing
    And alice receives onOutgoingCallAccepted exactly once
    And bob receives no onOutgoingCallAccepted
    And the server has the call ongoing

  @id-GRP-010 @spec-group @spec-end @requires-group-calls @must
  Scenario: The caller ends a group call: the member in it is told
    Given alice and bob are logged in
    And a group team with members alice, bob and ring-noanswer@g10
    When alice calls the group team
    And bob accepts the call
    And alice ends the call
    Then bob receives onCallEndedMessageReceived with status ended
    And alice receives no onCallEndedMessageReceived
    And the server has the call ended by alice

  @id-GRP-011 @spec-group @spec-end @requires-group-calls @must
  Scenario: A member ends a group call: the caller is told
    Given alice and bob are logged in
    And a group team with members alice, bob and ring-noanswer@g11
    When alice calls the group team
    And bob accepts the call
    And bob ends the call
    Then alice receives onCallEndedMessageReceived with status ended
    And the callbacks of alice are onOutgoingCallAccepted, onCallEndedMessageReceived
    And the server has the call ended by bob

  @id-GRP-012 @spec-group @requires-group-calls @needs-virtual-time @should
  Scenario: A scripted member's decline does not reach the caller; another's accept does
    Given alice is logged in
    And a group team with members alice, ring-reject-0.5s@g12 and ring-accept-1s@g12
    When alice calls the group team
    Then alice receives onOutgoingCallAccepted 1 second after the call was placed
    And alice receives no onOutgoingCallRejected
    And the server has the call ongoing

  @id-GRP-013 @spec-group @spec-timeout-custom @requires-group-calls @requires-custom-timeout @needs-virtual-time @should
  Scenario: A group call with a 10 second timeout
    Given alice is logged in
    And a group team with members alice, ring-noanswer@g13 and ring-noanswer@g13b
    When alice calls the group team with a timeout of 10 seconds
    Then alice receives onOutgoingCallRejected with status unanswered 10 seconds after the call was placed
    And the server has the call unanswered by alice

  @id-GRP-014 @spec-group @spec-cancel @must
  Scenario: A scripted caller's group call rings the client members, then is cancelled
    Given alice and bob are logged in
    And a group team with members dave, alice and bob
    When remote dave calls the group team
    Then alice receives onIncomingCallReceived with status initiated
    And bob receives onIncomingCallReceived with status initiated
    And the Call in alice's onIncomingCallReceived has receiverType group
    When remote dave cancels the call
    Then alice receives onIncomingCallCancelled with status cancelled
    And bob receives onIncomingCallCancelled with status cancelled

  @id-GRP-015 @spec-group @spec-accept @should
  Scenario: The client joins a scripted caller's group call
    Given alice is logged in
    And a group team with members dave, alice and ring-noanswer@g15
    When remote dave calls the group team
    And alice accepts the call
    Then alice's command succeeds
    And alice gets the call with status ongoing
    And the server has the call ongoing by alice
    And the callbacks of alice are onIncomingCallReceived

  @id-GRP-016 @spec-group @spec-session @requires-group-calls @requires-generate-token @must
  Scenario: The caller and the member who accepted a group call both get a token for it
    Given alice, bob and carol are logged in
    And a group team with members alice, bob and carol
    When alice calls the group team
    And bob accepts the call
    And bob generates a call token for the Call his acceptCall returned
    Then bob gets a token for the call
    And alice receives onOutgoingCallAccepted with status ongoing
    When alice generates a call token for the Call in her onOutgoingCallAccepted
    Then alice gets a token for the call

  @id-GRP-017 @spec-group @spec-timeout-custom @requires-group-calls @requires-custom-timeout @needs-virtual-time @must
  Scenario: A group call's custom timeout reaches the members too
    Given alice, bob and carol are logged in
    And a group team with members alice, bob and carol
    When alice calls the group team with a timeout of 10 seconds
    And 9 seconds pass
    Then bob receives no onIncomingCallCancelled
    And alice receives no callback
    And bob receives onIncomingCallCancelled with status unanswered 10 seconds after the call was placed
    And carol receives onIncomingCallCancelled with status unanswered 10 seconds after the call was placed
    And alice receives onOutgoingCallRejected with status unanswered 10 seconds after the call was placed
    And the server has the call unanswered by alice
