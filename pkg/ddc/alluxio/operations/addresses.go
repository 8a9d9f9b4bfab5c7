package operations

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// validateWorkerAddress refuses anything that is not a plain IP or
// DNS-1123 hostname with valid ports. Addresses end up in a CLI argument
// and in URLs; the check keeps a hostile or corrupt value (spaces, ";",
// quotes, "$(...)", "/", "@") from ever reaching the executor or dialer.
// RPCPort 0 means "not known" and is allowed: commands use the web port.
func validateWorkerAddress(a WorkerAddress) error {
	if err := validateHost("worker", a.Host); err != nil {
		return err
	}
	if a.WebPort < 1 || a.WebPort > 65535 {
		return fmt.Errorf("worker %s web port %d is outside 1-65535: resolve it with ResolveWorkerPorts: %w", a.Host, a.WebPort, ErrInvalidAddress)
	}
	if a.RPCPort != 0 && (a.RPCPort < 1 || a.RPCPort > 65535) {
		return fmt.Errorf("worker %s rpc port %d is outside 1-65535: %w", a.Host, a.RPCPort, ErrInvalidAddress)
	}
	return nil
}

// addressesArg renders workers as decommissionWorker/enableWorker's
// --addresses value, "host:webPort,host:webPort". Alluxio splits each
// entry at ':', so IPv6 literals cannot be expressed and are refused.
func addressesArg(workers []WorkerAddress) (string, error) {
	if len(workers) == 0 {
		return "", fmt.Errorf("no worker addresses given: %w", ErrInvalidAddress)
	}
	parts := make([]string, 0, len(workers))
	for _, w := range workers {
		if err := validateWorkerAddress(w); err != nil {
			return "", err
		}
		if strings.Contains(w.Host, ":") {
			return "", fmt.Errorf("worker host %q is an IPv6 address, which Alluxio's --addresses cannot carry: %w", w.Host, ErrInvalidAddress)
		}
		parts = append(parts, w.Host+":"+strconv.Itoa(int(w.WebPort)))
	}
	return strings.Join(parts, ","), nil
}

// webBaseURL is the worker's web endpoint, "http://host:webPort", at its
// container host when it has one (its web server listens in the pod).
func webBaseURL(w WorkerAddress) (string, error) {
	if err := validateWorkerAddress(w); err != nil {
		return "", err
	}
	host := w.Host
	if w.ContainerHost != "" {
		if err := validateHost("worker container", w.ContainerHost); err != nil {
			return "", err
		}
		host = w.ContainerHost
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(int(w.WebPort))), nil
}

// validateHost checks the host of a master or worker address (what is
// "master" or "worker"): a plain IP or a DNS-1123 hostname, and not an IP
// no Alluxio process can be reached at as a pod or node: unspecified
// (0.0.0.0, ::), multicast or link-local (169.254.0.0/16, which holds
// cloud metadata endpoints, and fe80::/10).
func validateHost(what, host string) error {
	ip := net.ParseIP(host)
	if ip == nil {
		if len(validation.IsDNS1123Subdomain(host)) > 0 {
			return fmt.Errorf("%s host %q is neither an IP address nor a DNS-1123 hostname: %w", what, host, ErrInvalidAddress)
		}
		return nil
	}
	switch {
	case ip.IsUnspecified():
		return fmt.Errorf("%s host %s is the unspecified address, not a pod or node IP: %w", what, host, ErrInvalidAddress)
	case ip.IsMulticast():
		return fmt.Errorf("%s host %s is a multicast address, not a pod or node IP: %w", what, host, ErrInvalidAddress)
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		return fmt.Errorf("%s host %s is link-local (cloud metadata endpoints live there), not a pod or node IP: %w", what, host, ErrInvalidAddress)
	}
	return nil
}
