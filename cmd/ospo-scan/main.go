// Command ospo-scan checks repositories against the publication rules of
// the Open Source Programme Office of the City of Munich (LHM, it@M).
//
// This package is wiring only: cobra commands, flags and exit codes. Each
// command has an options struct and a run function, in the manner of
// cli/cli, so tests call the run function without a terminal.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
