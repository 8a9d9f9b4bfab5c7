package drainfsm

// Reasons a victim, and so the runtime's WorkersScaledIn condition, can
// be in. Each state's name is also a reason (string(State)); these are
// the others. The same word is used in the condition, the event and the
// log line, and this is the one place it is defined.
const (
	// ForcedReason: the worker left before it was drained, because of
	// onDrainTimeout: Force or the data.fluid.io/scale-in-force annotation.
	ForcedReason = "Forced"
	// AlluxioUnreachableReason: the master could not be asked; nothing is
	// decided and no worker leaves meanwhile.
	AlluxioUnreachableReason = "AlluxioUnreachable"
	// DecommissionUnsupportedReason: this Alluxio cannot decommission
	// workers (open-source 2.9.3 and older): upgrade to 2.9.4 or later,
	// or turn the GracefulScaleIn gate off.
	DecommissionUnsupportedReason = "DecommissionUnsupported"
	// UnpersistedDataReason: the victim holds data that exists only in its
	// cache; it waits until that data is persisted, or until it is forced.
	UnpersistedDataReason = "UnpersistedData"
	// UnpersistedUncheckedReason: whether the victim holds unpersisted
	// data could not be learned (its worker did not answer); it is held
	// as if it did, since it might hold the only copy.
	UnpersistedUncheckedReason = "UnpersistedUnchecked"
	// UnregisteredReason: the master does not list the worker, but the
	// master (re)started after the worker's pod did, so the worker may
	// still hold data and register again: it is waited for.
	UnregisteredReason = "WorkerUnregistered"
	// SharedAddressReason: another live worker registered the same host
	// and web port (ContainerNetwork workers of one node): a decommission
	// naming that address could reach the wrong worker, so the victim is
	// not decommissioned; it waits (bounded by drainTimeout) or is forced.
	SharedAddressReason = "SharedWorkerAddress"
	// CancellingReason: a victim wanted again waits until its in-flight
	// work is done before it is restarted back into service.
	CancellingReason = "Cancelling"
	// PersistingReason: the controller asked Alluxio to persist a victim's
	// unpersisted files (an event; the victim waits as UnpersistedData).
	PersistingReason = "Persisting"
	// RecacheTimedOutReason: recacheTimeout passed while re-caching; the
	// worker left with the rest of its files not cached again.
	RecacheTimedOutReason = "RecacheTimedOut"
	// RecacheSkippedReason: a drained worker caches persisted files but
	// none can be cached again (no free capacity on the workers that
	// stay, or recacheLimit 0); it leaves without re-caching.
	RecacheSkippedReason = "RecacheSkipped"
)
