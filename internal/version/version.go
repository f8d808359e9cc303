// Package version reports the eksguard build version.
package version

import "runtime/debug"

// Version is set at release build time with -ldflags "-X github.com/eksguard/eksguard/internal/version.Version=v1.2.3".
var Version = ""

// String returns the version: the linked value, else the module version, else "dev".
func String() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
