package serve_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/serve"
)

// A Server is an http.Handler: here it runs behind httptest and reads a
// digit and a ZIP code, and answers a bad request with a JSON error.
func ExampleNew() {
	p, err := infer.Load("../testdata/lenet5-2epochs.safetensors")
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(serve.New(p, serve.Options{Model: "lenet5-2epochs"}))
	defer srv.Close()

	post := func(path, file string, v any) int {
		body, err := os.ReadFile(file)
		if err != nil {
			log.Fatal(err)
		}
		resp, err := http.Post(srv.URL+path, "image/png", bytes.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			log.Fatal(err)
		}
		return resp.StatusCode
	}

	var digit serve.PredictResponse
	status := post("/v1/predict", "../digits/testdata/single/12_label7.png", &digit)
	fmt.Println(status, digit.Digit, len(digit.Probabilities), len(digit.Input))

	var zip serve.ZipcodeResponse
	status = post("/v1/zipcode", "../digits/testdata/zip/00_zip18654.png", &zip)
	fmt.Println(status, zip.Digits, zip.Boxes[0])

	var e struct{ Error string }
	status = post("/v1/predict", "../go.mod", &e)
	fmt.Println(status, e.Error)
	// Output:
	// 200 7 10 784
	// 200 18654 [30 39 49 68]
	// 400 the body is not a PNG, JPEG or GIF image (it starts with 6d 6f 64 75 6c 65 20 67)
}
