@spec-session
Feature: The call session after an accept
  Once a call is accepted both sides start the call session: the caller with a token generated in
  onOutgoingCallAccepted, the callee with one generated after acceptCall succeeded, each for the
  call's session and with the user's authToken. The session's OngoingCallListener ends it: when the
  other side left (onCallEnded) the client clears its active call and ends the session; when the user
  presses the end call button (onCallEndButtonPressed) it ends the call first, then does the same.

  @id-SES-001 @spec-session @spec-accept @requires-generate-token @requires-call-session @must
  Scenario: Both sides start the call session with a token for the call
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And bob generates a call token for the Call his acceptCall returned
    Then bob gets a token for the call
    When bob starts the call session with his token
    Then bob's command succeeds
    And bob's call session is the call, active
    And alice receives onOutgoingCallAccepted
    When alice generates a call token for the Call in her onOutgoingCallAccepted
    Then alice gets a token for the call
    When alice starts the call session with her token
    Then alice's command succeeds
    And alice's call session is the call, active
    And the server has the call ongoing

  @id-SES-002 @spec-session @spec-end @requires-call-session @requires-active-call @must
  Scenario: The end call button ends the call, then clears the active call and ends the session
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And alice joins the call session
    And bob joins the call session
    And alice presses the end call button
    Then alice's command succeeds
    And alice gets the call with status ended
    And the server has the call ended by alice
    And bob receives onCallEndedMessageReceived with status ended
    And alice has no active call
    And alice's call session has ended

  @id-SES-003 @spec-session @spec-end @requires-call-session @must
  Scenario: The callee presses the end call button; the caller is told and may call again
    Given alice and bob are logged in
    And carol is logged in
    When alice calls bob
    And bob accepts the call
    And bob joins the call session
    And bob presses the end call button
    Then bob's command succeeds
    And bob gets the call with status ended
    And bob's call session has ended
    And alice receives onCallEndedMessageReceived with status ended
    And the server has the call ended by bob
    When bob calls carol
    Then bob's command succeeds
    And carol receives onIncomingCallReceived

  @id-SES-004 @spec-session @spec-end @requires-call-session @requires-active-call @must
  Scenario: When the other side leaves the session, the client clears its active call and ends the session
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And alice joins the call session
    And bob joins the call session
    And bob's call session reports the call ended
    Then bob's command succeeds
    And bob has no active call
    And bob's call session has ended
    And bob sent no ended update to the server
    And alice's call session is the call, active
    And alice receives no onCallEndedMessageReceived
    And the server has the call ongoing

  @id-SES-005 @spec-session @spec-end @requires-call-session @must
  Scenario: After its session ended the caller may call again
    Given alice and bob are logged in
    And carol is logged in
    When alice calls bob
    And bob accepts the call
    And alice joins the call session
    And alice's call session reports the call ended
    Then alice's call session has ended
    When alice calls carol
    Then alice's command succeeds
    And carol receives onIncomingCallReceived

  @id-SES-006 @spec-session @spec-end @requires-call-session @must
  Scenario: After its session ended the callee may accept another call
    Given alice is logged in
    When remote dave calls alice
    And alice accepts the call
    And alice joins the call session
    And alice's call session reports the call ended
    Then alice's call session has ended
    When remote erin calls alice
    Then alice receives onIncomingCallReceived
    When alice accepts the call
    Then alice's command succeeds
    And the server has the call ongoing by alice
