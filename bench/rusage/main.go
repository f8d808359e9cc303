// Command rusage runs a command and prints its wall time and peak resident set size, for
// bench/rss.sh on machines without GNU /usr/bin/time:
//
//	go run ./bench/rusage -- eksguard scan -o json bench/out/corpus
//
// It prints "wall_seconds=<s> maxrss_kib=<KiB> exit=<code> cpu_seconds=<user+system>" on stderr; the command's own
// stdout and stderr pass through.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: rusage -- command [args...]")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(2)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "rusage: no resource usage on this platform")
		os.Exit(2)
	}
	// Linux reports ru_maxrss in KiB (macOS in bytes; this tool targets Linux CI).
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Fprintf(os.Stderr, "wall_seconds=%.3f maxrss_kib=%d exit=%d cpu_seconds=%.3f\n", wall.Seconds(), ru.Maxrss, code, cpu.Seconds())
	os.Exit(code)
}
