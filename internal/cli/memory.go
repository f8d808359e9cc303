package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
)

// tuneGC trades a bounded amount of memory for speed during a scan. With the default
// GOGC=100 the collector ran about a third of the scan's CPU time on the 10,000-document
// benchmark: parsing makes a lot of short-lived garbage around a small live heap. A higher
// GOGC with a soft memory limit sized from the input lets garbage accumulate up to the
// limit instead (bench/README.md has the figures). The limit scales with the input, so large
// scans never run into it with their live heap (about 8x the input size) and thrash.
// GOGC or GOMEMLIMIT set by the user win.
func tuneGC(paths []string) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	const baseLimit = 72 << 20
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(baseLimit + 10*inputBytes(paths))
}

// inputBytes sums the sizes of the regular files a scan will read (stdin counts as zero).
func inputBytes(paths []string) int64 {
	var total int64
	for _, p := range paths {
		_ = filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // the loader reports unreadable paths
			}
			if d.Type().IsRegular() {
				if info, err := d.Info(); err == nil {
					total += info.Size()
				}
			}
			return nil
		})
	}
	return total
}
