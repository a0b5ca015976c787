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
    And the server has the call ongoing
