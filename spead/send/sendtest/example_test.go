package sendtest_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/gospead/tutorial/spead/send/sendtest"
)

// A benchmark makes its socket inside a Sandbox and sends from anywhere:
// the packets go out of the sandbox's ifb link and are dropped.
func ExampleSandbox() {
	sb, err := sendtest.NewSandbox()
	if errors.Is(err, sendtest.ErrNoPrivilege) || errors.Is(err, sendtest.ErrUnsupported) {
		fmt.Println("no sandbox here:", err)
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()

	var y *sendtest.Yardstick
	err = sb.Do(func() error {
		var err error
		y, err = sendtest.NewYardstick(sb.Sink(8888), 9000)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	defer y.Close()
	if _, err := y.Send(64 << 20); err != nil {
		log.Fatal(err)
	}
}
