package check

import (
	"strconv"
	"strings"
)

// MaxListed bounds how many items a finding message names; the rest are counted. Messages
// are read by people, and one finding listing every workload of a large namespace made the
// 10,000-document report megabytes larger.
const MaxListed = 5

// JoinLimited joins items with ", ", naming at most max and counting the rest
// ("a, b, c and 12 more").
func JoinLimited(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return JoinCounted(items[:max], len(items))
}

// JoinCounted names the shown items and counts the other total-len(shown), for callers
// that need not build the items they would not show.
func JoinCounted(shown []string, total int) string {
	if total <= len(shown) {
		return strings.Join(shown, ", ")
	}
	return strings.Join(shown, ", ") + " and " + strconv.Itoa(total-len(shown)) + " more"
}
