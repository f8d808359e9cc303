package awstest

import (
	"encoding/json"
	"net/http"

	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// EventDataStore is a CloudTrail Lake event data store the harness serves (moto 5.2.1 has
// no CloudTrail Lake): ListEventDataStores lists it, GetEventDataStore describes it.
type EventDataStore struct {
	Name                   string
	Status                 string // ENABLED, STOPPED, ...
	AdvancedEventSelectors []cttypes.AdvancedEventSelector
}

// AddEventDataStore adds an event data store to the account's region and returns its ARN.
func (a *Account) AddEventDataStore(s EventDataStore) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.eventDataStores = append(a.eventDataStores, s)
	return a.eventDataStoreARN(s.Name)
}

func (a *Account) eventDataStoreARN(name string) string {
	return "arn:aws:cloudtrail:" + Region + ":" + a.ID + ":eventdatastore/" + name
}

// serveCloudTrail answers the CloudTrail Lake operations moto lacks; it reports false for
// the others.
func (a *Account) serveCloudTrail(w http.ResponseWriter, r *http.Request, action string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch action {
	case "cloudtrail:ListEventDataStores":
		stores := []map[string]any{}
		for _, s := range a.eventDataStores {
			stores = append(stores, map[string]any{"EventDataStoreArn": a.eventDataStoreARN(s.Name), "Name": s.Name})
		}
		writeAWSJSON(w, map[string]any{"EventDataStores": stores})
	case "cloudtrail:GetEventDataStore":
		var in struct{ EventDataStore string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeError(w, action, "InvalidParameterException", err.Error())
			return true
		}
		for _, s := range a.eventDataStores {
			if in.EventDataStore == a.eventDataStoreARN(s.Name) || in.EventDataStore == s.Name {
				writeAWSJSON(w, map[string]any{"EventDataStoreArn": a.eventDataStoreARN(s.Name), "Name": s.Name,
					"Status": s.Status, "AdvancedEventSelectors": s.AdvancedEventSelectors, "MultiRegionEnabled": true, "RetentionPeriod": 2557})
				return true
			}
		}
		writeError(w, action, "EventDataStoreNotFoundException", "event data store "+in.EventDataStore+" not found")
	default:
		return false
	}
	return true
}

// writeAWSJSON writes an awsJson1.1 response. The SDK types' exported fields carry the
// protocol's member names, so they encode as they are.
func writeAWSJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}
