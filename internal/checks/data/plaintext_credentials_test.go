package data

import "testing"

func TestCredentialLikeNameMatchesRegexp(t *testing.T) {
	for _, name := range []string{
		"DB_PASSWORD", "db_password", "Passwd", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GITHUB_TOKEN",
		"API_KEY", "apikey", "X_API_KEYS", "PRIVATE_KEY_PATH", "privatekey", "LOG_LEVEL", "PASS", "TOKE",
		"API-KEY", "", "ſecret", "naïve_token", "line\nsecret",
	} {
		if got, want := credentialLikeName(name), credentialName.MatchString(name); got != want {
			t.Errorf("%q: %v, regexp %v", name, got, want)
		}
	}
}
