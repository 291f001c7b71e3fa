// Command gosdk-client sends API 3.0 calls the way the pulumi-tencentcloud provider does: the Go SDK's
// client with profile Scheme "HTTP" and a RootDomain, so the URL is http://<service>.<domain>/, and the
// request reaches the emulator through HTTP_PROXY (absolute-form target, Host <service>.<domain>).
//
// Usage: gosdk-client REGION DOMAIN < calls.json
// calls.json: [{"service": "cvm", "version": "2017-03-12", "action": "DescribeInstances", "params": {...}}]
// Credentials come from TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY. Prints one JSON line per call:
// {"action": ..., "body": <response JSON>} or {"action": ..., "error_code": ..., "message": ...}.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

type call struct {
	Service string                 `json:"service"`
	Version string                 `json:"version"`
	Action  string                 `json:"action"`
	Params  map[string]interface{} `json:"params"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gosdk-client REGION DOMAIN < calls.json")
		os.Exit(2)
	}
	var calls []call
	if err := json.NewDecoder(os.Stdin).Decode(&calls); err != nil {
		fmt.Fprintln(os.Stderr, "bad calls.json:", err)
		os.Exit(2)
	}
	cred := common.NewCredential(os.Getenv("TENCENTCLOUD_SECRET_ID"), os.Getenv("TENCENTCLOUD_SECRET_KEY"))
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Scheme = "HTTP"
	cpf.HttpProfile.RootDomain = os.Args[2]
	cpf.HttpProfile.ReqTimeout = 10
	client := common.NewCommonClient(cred, os.Args[1], cpf)
	out := json.NewEncoder(os.Stdout)
	for _, c := range calls {
		req := tchttp.NewCommonRequest(c.Service, c.Version, c.Action)
		if err := req.SetActionParameters(c.Params); err != nil {
			fmt.Fprintln(os.Stderr, "bad params:", err)
			os.Exit(2)
		}
		resp := tchttp.NewCommonResponse()
		err := client.Send(req, resp)
		var apiErr *sdkerrors.TencentCloudSDKError
		switch {
		case err == nil:
			_ = out.Encode(map[string]interface{}{"action": c.Action, "body": json.RawMessage(resp.GetBody())})
		case errors.As(err, &apiErr):
			_ = out.Encode(map[string]string{"action": c.Action, "error_code": apiErr.Code, "message": apiErr.Message})
		default:
			fmt.Fprintln(os.Stderr, c.Action+":", err)
			os.Exit(1)
		}
	}
}
