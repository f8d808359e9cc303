package awstest

import (
	"io"
	"net/http"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/encoding/cbor"
)

// AddAlarm adds a CloudWatch metric alarm, which DescribeAlarmsForMetric answers: the SDK
// speaks Smithy RPC v2 CBOR to CloudWatch, which moto 5.2.1 does not serve.
func (a *Account) AddAlarm(alarm cwtypes.MetricAlarm) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.alarms = append(a.alarms, alarm)
}

// serveCloudWatch answers DescribeAlarmsForMetric; it reports false for other operations.
func (a *Account) serveCloudWatch(w http.ResponseWriter, r *http.Request, action string) bool {
	if action != "cloudwatch:DescribeAlarmsForMetric" {
		return false
	}
	body, _ := io.ReadAll(r.Body)
	in, _ := cbor.Decode(body)
	m, _ := in.(cbor.Map)
	namespace, _ := m["Namespace"].(cbor.String)
	metric, _ := m["MetricName"].(cbor.String)
	a.mu.Lock()
	defer a.mu.Unlock()
	alarms := cbor.List{}
	for _, al := range a.alarms {
		if sdkaws.ToString(al.Namespace) != string(namespace) || sdkaws.ToString(al.MetricName) != string(metric) {
			continue
		}
		alarms = append(alarms, cbor.Map{
			"AlarmName": cbor.String(sdkaws.ToString(al.AlarmName)), "AlarmArn": cbor.String(sdkaws.ToString(al.AlarmArn)),
			"MetricName": cbor.String(sdkaws.ToString(al.MetricName)), "Namespace": cbor.String(sdkaws.ToString(al.Namespace)),
			"ActionsEnabled": cbor.Bool(sdkaws.ToBool(al.ActionsEnabled)), "StateValue": cbor.String(string(al.StateValue)),
		})
	}
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	_, _ = w.Write(cbor.Encode(cbor.Map{"MetricAlarms": alarms}))
	return true
}
