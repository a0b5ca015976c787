@spec-cancel
Feature: Cancel a call
  The caller gives up before an answer with rejectCall(CALL_STATUS_CANCELLED); the callee gets
  onIncomingCallCancelled and the caller hears nothing of its own cancel.

  @id-CAN-001 @spec-cancel @spec-wire-echo @must
  Scenario: The caller cancels and the callee is told
    Given alice and bob are logged in
    When alice calls bob
    And alice cancels the call
    Then alice's command succeeds
    And alice gets the call with status cancelled
    And bob receives onIncomingCallCancelled with status cancelled
    And the Call in bob's onIncomingCallCancelled is the call
    And alice receives no callback
    And the server has the call cancelled by alice

  @id-CAN-002 @spec-cancel @needs-virtual-time @must
  Scenario: The callee hears of the cancel the instant it happens
    Given alice and bob are logged in
    When alice calls bob
    And 10 seconds pass
    And alice cancels the call
    Then bob receives onIncomingCallCancelled with status cancelled 10 seconds after the call was placed
    And the callbacks of bob are onIncomingCallReceived, onIncomingCallCancelled

  @id-CAN-003 @spec-cancel @spec-timeout-default @needs-virtual-time @must
  Scenario: Cancelling stops the caller's ring timer
    Given alice and bob are logged in
    When alice calls bob
    And alice cancels the call
    And 60 seconds pass
    Then alice receives no callback
    And alice sent no unanswered update to the server
    And the server has the call cancelled
    And bob receives onIncomingCallCancelled exactly once

  @id-CAN-004 @spec-cancel @requires-active-call @should
  Scenario: After cancelling the caller has no active call and may call again
    Given alice and bob are logged in
    When alice calls bob
    And alice cancels the call
    Then alice has no active call
    When alice calls bob
    Then alice's command succeeds
    And bob receives onIncomingCallReceived exactly twice

  @id-CAN-005 @spec-cancel @needs-virtual-time @must
  Scenario: A scripted caller cancels after 3 seconds
    Given alice is logged in
    When remote dave calls alice
    And 3 seconds pass
    And remote dave cancels the call
    Then alice receives onIncomingCallCancelled with status cancelled 3 seconds after the call was placed
    And the callbacks of alice are onIncomingCallReceived, onIncomingCallCancelled

  @id-CAN-006 @spec-cancel @requires-multi-device @must
  Scenario: The cancel reaches every device of the callee
    Given alice and bob are logged in
    And bob is also logged in on a second device "bob-tablet"
    When alice calls bob
    And alice cancels the call
    Then bob receives onIncomingCallCancelled with status cancelled
    And bob-tablet receives onIncomingCallCancelled with status cancelled

  @id-CAN-007 @spec-cancel @needs-virtual-time @should
  Scenario: The client cancels its call to a scripted user who never answers
    Given alice is logged in
    When alice calls ring-noanswer
    And 5 seconds pass
    And alice cancels the call
    Then alice's command succeeds
    And the server has the call cancelled by alice
    And alice receives no callback within 60 seconds

  @id-CAN-008 @spec-cancel @needs-virtual-time @must
  Scenario: A caller from a loaded script cancels after 3 seconds
    Given alice is logged in
    When scripted user erin calls alice with a video call and cancels after 3 seconds
    Then alice receives onIncomingCallReceived with status initiated
    And the Call in alice's onIncomingCallReceived has callType video
    And alice receives onIncomingCallCancelled with status cancelled 3 seconds after the call was placed
    And the server has the call cancelled by erin
