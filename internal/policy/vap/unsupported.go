package vap

// unsupported gives, for every object-local check without a CEL form, the reason; a check
// that must not judge objects at admission at all says so itself (check.NotAtAdmission). The
// package's tests fail when a PodSpec or Object check is in neither table nor says so.
var unsupported = map[string]string{}
