// Package cli wires eksguard's cobra commands to the pipeline. Commands hold no check
// logic and no output formats; they parse flags, call scan/report and map errors to exit codes.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	_ "github.com/eksguard/eksguard/internal/checks/all" // registers every check
)

// Exit codes.
const (
	ExitOK       = 0
	ExitFindings = 1 // something at or above --fail-on failed
	ExitUsage    = 2 // bad flags or arguments, or inputs that could not be read
)

// ExitError carries an exit code up to main.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

func usageError(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// ErrFindingsAboveThreshold is returned when the scan fails the --fail-on gate.
var ErrFindingsAboveThreshold = &ExitError{Code: ExitFindings, Err: errors.New("findings at or above the --fail-on severity")}

// IO are the streams commands use; tests inject buffers.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutIsTerminal enables colour; set from the real stdout by Execute.
	OutIsTerminal bool
}

// NewRoot builds the command tree.
func NewRoot(streams IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "eksguard",
		Short: "Check EKS clusters and Kubernetes manifests against EKS security best practices, CIS EKS and the Pod Security Standards",
		Long: `eksguard audits Kubernetes manifests, live EKS clusters and their AWS configuration against
the EKS security best practices guide, the CIS Amazon EKS Benchmark and the Kubernetes Pod
Security Standards. Findings point at the exact file, line and field, or name the live object
or AWS resource (ARN).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &ExitError{Code: ExitUsage, Err: err} })
	root.AddCommand(newScanCommand(streams), newClusterCommand(streams), newAWSCommand(streams), newSnapshotCommand(streams), newDiffCommand(streams), newWebhookCommand(streams), newPolicyCommand(streams), newChecksCommand(streams), newExplainCommand(streams), newVersionCommand(streams))
	return root
}

// Execute runs eksguard with args and returns the process exit code.
func Execute(args []string, streams IO) int {
	root := NewRoot(streams)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		if exit != ErrFindingsAboveThreshold {
			fmt.Fprintln(streams.ErrOut, "eksguard:", exit.Err)
		}
		return exit.Code
	}
	// Anything cobra rejects itself (unknown command, bad argument count) is a usage error.
	fmt.Fprintln(streams.ErrOut, "eksguard:", err)
	return ExitUsage
}

// StdIO returns the process's streams.
func StdIO() IO {
	return IO{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, OutIsTerminal: term.IsTerminal(int(os.Stdout.Fd()))}
}
