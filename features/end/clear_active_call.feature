@spec-end
Feature: Clear the active call
  clearActiveCall() makes the client forget its active call locally, as the session's handlers do after
  the end: nothing is sent, nobody is told, and the client is free for the next call.

  @id-END-019 @spec-end @requires-active-call @must
  Scenario: clearActiveCall forgets the call locally and tells nobody
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And bob clears the active call
    Then bob's command succeeds
    And bob has no active call
    And bob sent no ended update to the server
    And alice receives no onCallEndedMessageReceived
    And alice's active call is the call
    And the server has the call ongoing

  @id-END-020 @spec-end @requires-active-call @must
  Scenario: After clearActiveCall the callee may accept another call
    Given alice is logged in
    When remote dave calls alice
    And alice accepts the call
    And alice clears the active call
    And remote erin calls alice
    And alice accepts the call
    Then alice's command succeeds
    And alice's active call is the call with status ongoing
    And the server has the call ongoing by alice

  @id-END-021 @spec-end @spec-timeout-default @requires-active-call @needs-virtual-time @should
  Scenario: clearActiveCall on a ringing call stops the caller's ring timer
    Given alice and bob are logged in
    When alice calls bob
    And alice clears the active call
    And 60 seconds pass
    Then alice has no active call
    And alice sent no unanswered update to the server
    And alice receives no callback
    And the server has the call initiated
