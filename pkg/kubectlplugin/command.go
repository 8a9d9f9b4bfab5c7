// Package kubectlplugin is `kubectl fluid-drain`: one place to read a
// scale-in that fluid-drain keeps in several (status.scaleIn, or next to
// Fluid a JSON annotation on the master pod, per-pod annotations and a
// condition), and a confirmed way to force a worker out.
package kubectlplugin

import (
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/fluid-drain/fluid-drain/pkg/version"
)

// NewCommand is the plugin's root command. now is the clock the ages
// shown are measured with.
func NewCommand(streams genericiooptions.IOStreams, now func() time.Time) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	root := &cobra.Command{
		Use:           "fluid-drain",
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl fluid-drain"},
		Short:         "Read and steer fluid-drain's graceful scale-ins of Alluxio workers",
		Version:       version.Get().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	flags.AddFlags(root.PersistentFlags())

	clients := func() (dynamic.Interface, kubernetes.Interface, string, error) {
		cfg, err := flags.ToRESTConfig()
		if err != nil {
			return nil, nil, "", err
		}
		ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
		if err != nil {
			return nil, nil, "", err
		}
		dyn, err := dynamic.NewForConfig(cfg)
		if err != nil {
			return nil, nil, "", err
		}
		kube, err := kubernetes.NewForConfig(cfg)
		return dyn, kube, ns, err
	}

	var allNamespaces bool
	status := &cobra.Command{
		Use:   "status [runtime]",
		Short: "Each leaving worker's state, time in that state and reason, and the scale-in summary, of one AlluxioRuntime or all in the namespace",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dyn, kube, ns, err := clients()
			if err != nil {
				return err
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			if allNamespaces && name == "" {
				ns = ""
			}
			statuses, err := Collect(cmd.Context(), dyn, kube, ns, name)
			if err != nil {
				return err
			}
			return Render(streams.Out, statuses, now())
		},
	}
	status.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "Every namespace's runtimes.")

	var yes bool
	force := &cobra.Command{
		Use:   "force <pod>",
		Short: "Let a leaving worker go without waiting for its drain (sets data.fluid.io/scale-in-force=true after a y/N confirmation)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, kube, ns, err := clients()
			if err != nil {
				return err
			}
			return Force(cmd.Context(), kube, ns, args[0], yes, streams.In, streams.Out, now())
		},
	}
	force.Flags().BoolVarP(&yes, "yes", "y", false, "Do not ask for confirmation.")

	root.AddCommand(status, force)
	return root
}
