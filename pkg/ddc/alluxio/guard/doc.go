// Package guard keeps the admission guard's scope, next to Fluid: which
// worker pods the ValidatingAdmissionPolicy may hold, and whether the
// controller that will drain them is alive.
//
// The policy cannot call back into the controller and has no clock, so
// both are facts the controller writes and the policy reads:
//   - the label data.fluid.io/drain-guard=true on each worker pod the
//     controller is responsible for (Sync); every other pod passes;
//   - a heartbeat annotation on each namespace holding such pods
//     (Heartbeat). The policy compares it with kube-controller-manager's
//     leader-election lease, renewed every few seconds by the very
//     process whose deletes the policy judges: once the heartbeat is
//     older than the timeout by that clock, the policy holds nothing.
package guard
