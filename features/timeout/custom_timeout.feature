@spec-timeout-custom
Feature: A custom ring timeout
  initiateCall's optional second argument sets the ringing duration in seconds. The JS SDK floors
  it to whole seconds, and a value of 0 or below means the default of 45 (wire facts §5).

  @id-TMO-010 @spec-timeout-custom @requires-custom-timeout @needs-virtual-time @must
  Scenario: A 60 second timeout outlasts the default
    Given alice is logged in
    When alice calls ring-noanswer with a timeout of 60 seconds
    And 59 seconds pass
    Then alice receives no callback
    And the server has the call initiated
    And alice receives onOutgoingCallRejected with status unanswered 60 seconds after the call was placed
    And the server has the call unanswered by alice

  @id-TMO-011 @spec-timeout-custom @requires-custom-timeout @needs-virtual-time @must
  Scenario: A 10 second timeout ends the call after 10 seconds
    Given alice and bob are logged in
    When alice calls bob with a timeout of 10 seconds
    Then alice receives onOutgoingCallRejected with status unanswered 10 seconds after the call was placed
    And bob receives onIncomingCallCancelled with status unanswered 10 seconds after the call was placed
    And the server has the call unanswered by alice

  @id-TMO-012 @spec-timeout-custom @requires-custom-timeout @needs-virtual-time @must
  Scenario: A timeout of 0 falls back to 45 seconds
    Given alice is logged in
    When alice calls ring-noanswer with a timeout of 0 seconds
    And 5 seconds pass
    Then alice receives no callback
    And alice receives onOutgoingCallRejected with status unanswered 45 seconds after the call was placed

  @id-TMO-013 @spec-timeout-custom @requires-custom-timeout @needs-virtual-time @must
  Scenario: A negative timeout falls back to 45 seconds
    Given alice is logged in
    When alice calls ring-noanswer with a timeout of -5 seconds
    And 5 seconds pass
    Then alice receives no callback
    And alice receives onOutgoingCallRejected with status unanswered 45 seconds after the call was placed

  @id-TMO-014 @spec-timeout-custom @requires-custom-timeout @needs-virtual-time @should
  Scenario: A fractional timeout is floored to whole seconds
    Given alice is logged in
    When alice calls ring-noanswer with a timeout of 2.7 seconds
    Then alice receives onOutgoingCallRejected with status unanswered 2 seconds after the call was placed

  @id-TMO-015 @spec-timeout-custom @requires-custom-timeout @needs-virtual-time @should
  Scenario: A five minute timeout rings for five minutes
    Given alice is logged in
    When alice calls ring-noanswer with a video call with a timeout of 300 seconds
    And 4 minutes pass
    Then alice receives no callback
    And alice receives onOutgoingCallRejected with status unanswered 300 seconds after the call was placed

  @id-TMO-016 @spec-timeout-custom @requires-custom-timeout @needs-virtual-time @must
  Scenario: Accepting before a custom timeout stops that timer
    Given alice is logged in
    When alice calls ring-accept-9s with a timeout of 10 seconds
    Then alice receives onOutgoingCallAccepted 9 seconds after the call was placed
    And alice receives no other callback within 30 seconds
    And alice sent no unanswered update to the server

  @id-TMO-017 @spec-timeout-custom @spec-wire-requests @requires-custom-timeout @should
  Scenario: The timeout never travels to the server
    Given alice is logged in
    When alice calls ring-noanswer with a timeout of 60 seconds
    Then the call request alice sent has no timeout

  @id-TMO-019 @spec-timeout-custom @spec-accept @requires-custom-timeout @needs-virtual-time @must
  Scenario: An accept in the last second of a custom timeout stops that timer in time
    Given alice and bob are logged in
    When alice calls bob with a timeout of 10 seconds
    And 9.5 seconds pass
    And bob accepts the call
    And 5 seconds pass
    Then bob's command succeeds
    And alice receives onOutgoingCallAccepted 9.5 seconds after the call was placed
    And alice receives no onOutgoingCallRejected
    And alice sent no unanswered update to the server
    And the server has the call ongoing
