package aws

import (
	"testing"
	"time"
)

// TestParseCredentialReport reads columns by name (in any order), ignores the ones it does
// not need, and tells an absent key slot (N/A) from an inactive one.
func TestParseCredentialReport(t *testing.T) {
	csv := "arn,user,mfa_active,password_enabled,access_key_1_active,access_key_1_last_rotated,access_key_2_active,access_key_2_last_rotated,cert_1_active\n" +
		"arn:aws:iam::111122223333:root,<root_account>,true,not_supported,false,N/A,false,N/A,false\n" +
		"arn:aws:iam::111122223333:user/alice,alice,false,true,true,2024-01-02T03:04:05+00:00,false,2023-05-06T07:08:09+00:00,false\n"
	r, err := parseCredentialReport([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Users) != 2 {
		t.Fatalf("users = %+v", r.Users)
	}
	root, alice := r.Users[0], r.Users[1]
	if root.User != "<root_account>" || root.PasswordEnabled || !root.MFAActive || len(root.AccessKeys) != 0 {
		t.Errorf("root = %+v", root)
	}
	if alice.ARN != "arn:aws:iam::111122223333:user/alice" || !alice.PasswordEnabled || alice.MFAActive || len(alice.AccessKeys) != 2 {
		t.Fatalf("alice = %+v", alice)
	}
	k1, k2 := alice.AccessKeys[0], alice.AccessKeys[1]
	if k1.Slot != 1 || !k1.Active || !k1.LastRotated.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) || k2.Slot != 2 || k2.Active {
		t.Errorf("keys = %+v %+v", k1, k2)
	}
	if _, err := parseCredentialReport([]byte("a,b\n1,2\n")); err == nil {
		t.Errorf("a report without user and arn columns was accepted")
	}
}
