@spec-accept
Feature: Accept a call
  The callee accepts; the caller is told; the ring timer stops.

  @id-ACC-001 @must
  Scenario: The callee accepts and the caller ends
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    Then bob gets a call with status ongoing
    And bob gets a call with joinedAt set
    And alice receives onOutgoingCallAccepted with status ongoing
    When alice ends the call
    Then bob receives onCallEndedMessageReceived with status ended
    And alice receives no onCallEndedMessageReceived
    And the callbacks of bob are onIncomingCallReceived, onCallEndedMessageReceived
    And the server has the call ended

  @id-ACC-002 @must @needs-virtual-time @spec-timeout-default
  Scenario: Accepting stops the caller's ring timer
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And 60 seconds pass
    Then alice receives no onOutgoingCallRejected
    And alice sent no unanswered update to the server
    And the server has the call ongoing

  @id-ACC-003 @spec-accept @must
  Scenario: acceptCall returns the call, ongoing, with joinedAt
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    Then bob's command succeeds
    And bob gets the call with status ongoing
    And bob gets a call with joinedAt set
    And bob gets a call with initiator alice
    And bob gets a call with receiverId bob
    And the server has the call ongoing by bob

  @id-ACC-004 @spec-accept @spec-listeners @must
  Scenario: onOutgoingCallAccepted tells the caller who accepted which call
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    Then alice receives onOutgoingCallAccepted with status ongoing
    And the Call in alice's onOutgoingCallAccepted is the call
    And the Call in alice's onOutgoingCallAccepted has initiator alice
    And the Call in alice's onOutgoingCallAccepted has sender bob
    And the Call in alice's onOutgoingCallAccepted has joinedAt set
    And alice receives no other callback
    And the callbacks of bob are onIncomingCallReceived

  @id-ACC-006 @spec-accept @spec-timeout-default @needs-virtual-time @should
  Scenario: An accepted call stays quiet for ten minutes
    Given alice and bob are logged in
    When alice calls bob with a video call
    And 10 seconds pass
    And bob accepts the call
    Then alice receives onOutgoingCallAccepted 10 seconds after the call was placed
    When 10 minutes pass
    Then the Call in alice's onOutgoingCallAccepted has callType video
    And alice receives no other callback
    And the callbacks of bob are onIncomingCallReceived
    And alice sent no unanswered update to the server
    And the server has the call ongoing

  @id-ACC-007 @spec-accept @requires-active-call @should
  Scenario: The accepted call becomes the callee's active call
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    Then bob's active call is the call with status ongoing
    And alice's active call is the call

  @id-ACC-008 @spec-accept @spec-timeout-default @needs-virtual-time @must
  Scenario: A scripted callee accepts after 2 seconds and the ring timer stops
    Given alice is logged in
    When alice calls ring-accept-2s
    Then alice receives onOutgoingCallAccepted with status ongoing 2 seconds after the call was placed
    And the Call in alice's onOutgoingCallAccepted has sender ring-accept-2s
    And alice receives no other callback within 60 seconds
    And alice sent no unanswered update to the server
    And the server has the call ongoing

  @id-ACC-009 @spec-accept @must
  Scenario: The client accepts a scripted caller's call
    Given alice is logged in
    When remote dave calls alice
    And alice accepts the call
    Then alice's command succeeds
    And alice gets the call with status ongoing
    And alice gets a call with joinedAt set
    And alice gets a call with initiator dave
    And the server has the call ongoing by alice
    And alice receives onIncomingCallReceived
    And alice receives no other callback

  @id-ACC-010 @spec-session @requires-generate-token @should
  Scenario: Both sides of an accepted call can generate a call token
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And bob generates a call token for the call
    And alice generates a call token for the call
    Then bob's command succeeds
    And bob gets a token for the call
    And alice's command succeeds
    And alice gets a token for the call

  @id-ACC-011 @spec-session @spec-accept @requires-generate-token @must
  Scenario: The caller generates the call token for the Call its onOutgoingCallAccepted carried
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    Then alice receives onOutgoingCallAccepted with status ongoing
    When alice generates a call token for the Call in her onOutgoingCallAccepted
    Then alice's command succeeds
    And alice gets a token for the call

  @id-ACC-012 @spec-session @spec-accept @requires-generate-token @must
  Scenario: The callee generates the call token for the Call acceptCall returned
    Given alice is logged in
    When remote dave calls alice
    And alice accepts the call
    And alice generates a call token for the Call her acceptCall returned
    Then alice's command succeeds
    And alice gets a token for the call
