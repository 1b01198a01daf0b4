package imageio_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/baeum-ml/baeum/internal/imageio"
	"github.com/baeum-ml/baeum/internal/imageio/imagebomb"
)

// Decode reads PNG, JPEG and GIF within limits, and refuses a JPEG of
// too many scans before decoding any of it.
func ExampleDecode() {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 28, 28)))
	img, format, err := imageio.Decode(&b, imageio.Limits{})
	fmt.Println(format, img.Bounds(), err)

	bomb := imagebomb.ScanBomb(2048, 2048, 54000)
	_, _, err = imageio.Decode(bytes.NewReader(bomb), imageio.Limits{})
	fmt.Println(err)
	// Output:
	// PNG (0,0)-(28,28) <nil>
	// the JPEG image has over 100 scans, the limit (an ordinary progressive JPEG has about 10; each scan makes the decoder walk the whole image again): save it as a baseline JPEG or a PNG
}
