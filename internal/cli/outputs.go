package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/eksguard/eksguard/internal/report"
)

// output is one -o value: a format and where it goes.
type output struct {
	name   string
	format report.Format
	file   string // "" is stdout
}

func (o output) String() string {
	if o.file == "" {
		return "-o " + o.name
	}
	return "-o " + o.name + "=" + o.file
}

// parseOutputs reads the -o values, each FORMAT (stdout) or FORMAT=FILE, and --output-file,
// which names the file of a single -o FORMAT. At most one output may go to stdout, and no
// two to the same file.
func parseOutputs(values []string, outputFile string) ([]output, error) {
	var outs []output
	for _, v := range values {
		name, file, hasFile := strings.Cut(v, "=")
		format, err := report.Lookup(name)
		if err != nil {
			return nil, usageError("-o %s: %v", v, err)
		}
		if hasFile && file == "" {
			return nil, usageError("-o %s: FORMAT=FILE needs a FILE (or - for stdout)", v)
		}
		if file == "-" {
			file = ""
		}
		outs = append(outs, output{name: name, format: format, file: file})
	}
	if outputFile != "" {
		switch {
		case len(outs) > 1:
			return nil, usageError("--output-file names the file of a single -o FORMAT; with several outputs give each its file: -o FORMAT=FILE")
		case outs[0].file != "":
			return nil, usageError("%s and --output-file %s both name the file of the report; give one", outs[0], outputFile)
		}
		outs[0].file = outputFile
	}
	var stdout []string
	files := map[string]output{}
	for _, out := range outs {
		if out.file == "" {
			stdout = append(stdout, out.String())
			continue
		}
		key := filepath.Clean(out.file)
		if abs, err := filepath.Abs(key); err == nil {
			key = abs
		}
		if prev, dup := files[key]; dup {
			return nil, usageError("%s and %s both write %s", prev, out, out.file)
		}
		files[key] = out
	}
	if len(stdout) > 1 {
		return nil, usageError("%s all write to stdout; give all but one a file: -o FORMAT=FILE", strings.Join(stdout, ", "))
	}
	return outs, nil
}

// writeOutputs renders rep in every output, in the order given, and tells whether a table
// went to stdout (then problems are already in front of the user).
func (o *reportOptions) writeOutputs(streams IO, rep *report.Report) (tableOnStdout bool, err error) {
	opts := report.Options{Now: o.now, PolicyReportAPI: o.policyReportAPI}
	for _, out := range o.sinks {
		if out.file == "" {
			opts.Color = streams.OutIsTerminal && !o.noColor && os.Getenv("NO_COLOR") == ""
			tableOnStdout = tableOnStdout || out.name == "table"
			if err := out.format(streams.Out, rep, opts); err != nil {
				return tableOnStdout, fmt.Errorf("write report (%s): %w", out.name, err)
			}
			continue
		}
		f, err := os.Create(out.file)
		if err != nil {
			return tableOnStdout, &ExitError{Code: ExitUsage, Err: fmt.Errorf("create output file: %w", err)}
		}
		opts.Color = false
		err = out.format(f, rep, opts)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return tableOnStdout, fmt.Errorf("write report (%s) to %s: %w", out.name, out.file, err)
		}
	}
	return tableOnStdout, nil
}
