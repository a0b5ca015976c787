@spec-listeners
Feature: Call listeners
  Each listener is registered under a unique id; every registered listener is called; removing one
  stops its delivery; registering the same id again replaces the first.

  @id-LIS-001 @spec-listeners @requires-listeners @must
  Scenario: Several listeners are all called
    Given alice and bob are logged in
    And bob adds a call listener second
    And bob adds a call listener third
    When alice calls bob
    Then bob receives onIncomingCallReceived on listener main
    And bob receives onIncomingCallReceived on listener second
    And bob receives onIncomingCallReceived on listener third
    And bob receives no other callback

  @id-LIS-002 @spec-listeners @requires-listeners @must
  Scenario: A removed listener is no longer called
    Given alice and bob are logged in
    And bob adds a call listener second
    And bob removes the call listener main
    When alice calls bob
    Then bob receives onIncomingCallReceived on listener second
    And bob receives no callback on listener main

  @id-LIS-003 @spec-listeners @requires-listeners @must
  Scenario: Registering the same id again replaces the listener
    Given alice and bob are logged in
    And bob adds a call listener second
    And bob adds a call listener second
    When alice calls bob
    And alice cancels the call
    Then bob receives onIncomingCallReceived on listener second exactly once
    And bob receives onIncomingCallCancelled on listener second exactly once
    And bob receives onIncomingCallReceived on listener main exactly once

  @id-LIS-004 @spec-listeners @requires-listeners @must
  Scenario: No callback after the listener was removed mid-call
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived on listener main
    When bob removes the call listener main
    And alice cancels the call
    Then bob receives no onIncomingCallCancelled
    And bob receives no other callback within 5 seconds

  @id-LIS-005 @spec-listeners @requires-listeners @needs-virtual-time @must
  Scenario: The caller's listeners are all told of the accept
    Given alice is logged in
    And alice adds a call listener ui
    When alice calls ring-accept-1s
    Then alice receives onOutgoingCallAccepted on listener main within 2 seconds
    And alice receives onOutgoingCallAccepted on listener ui
    And alice receives no other callback

  @id-LIS-006 @spec-listeners @requires-listeners @should
  Scenario: A listener added while a call rings hears the rest of it
    Given alice is logged in
    And bob is logged in without a listener
    When alice calls bob
    And bob adds a call listener late
    And alice cancels the call
    Then bob receives onIncomingCallCancelled on listener late
    And bob receives no onIncomingCallReceived

  @id-LIS-008 @spec-listeners @requires-listeners @should
  Scenario: A listener removed and added again is called again
    Given alice and bob are logged in
    When bob removes the call listener main
    And alice calls bob
    And alice cancels the call
    And bob adds a call listener main
    And alice calls bob
    Then bob receives onIncomingCallReceived on listener main exactly once
    And the Call in bob's onIncomingCallReceived is the call

  @id-LIS-009 @spec-listeners @requires-listeners @needs-virtual-time @should
  Scenario: Removing a listener id that was never added is harmless
    Given alice is logged in
    When alice removes the call listener nobody
    And alice calls ring-accept-1s
    Then alice receives onOutgoingCallAccepted on listener main within 2 seconds

  @id-LIS-010 @spec-listeners @requires-listeners @needs-virtual-time @must
  Scenario: A removed listener hears nothing of the caller's accept and end
    Given alice is logged in
    And alice adds a call listener ui
    And alice removes the call listener main
    When alice calls ring-accept-1s-end-2s
    Then alice receives onOutgoingCallAccepted on listener ui within 1 second
    And alice receives onCallEndedMessageReceived on listener ui within 2 seconds
    And alice receives no callback on listener main

  @id-LIS-011 @spec-listeners @requires-listeners @must
  Scenario: A listener removed while the call rings hears nothing of the rejection
    Given alice and bob are logged in
    And alice adds a call listener ui
    When alice calls bob
    And alice removes the call listener main
    And bob rejects the call
    Then alice receives onOutgoingCallRejected on listener ui
    And alice receives no callback on listener main

  @id-LIS-012 @spec-listeners @requires-listeners @must
  Scenario: A callee's listener removed during the call hears nothing of the end
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    And bob adds a call listener ui
    And bob removes the call listener main
    And alice ends the call
    Then bob receives onCallEndedMessageReceived on listener ui
    And bob receives no onCallEndedMessageReceived on listener main
