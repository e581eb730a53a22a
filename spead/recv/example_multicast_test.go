package recv_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/netip"

	"github.com/gospead/tutorial/spead/recv"
)

// Receive a multicast group: the stream joins 239.1.2.3 on the interface
// whose address is 10.0.0.5 (by index, set MulticastInterfaceIndex
// instead; with neither, the route to the group chooses) and gets that
// group's packets only. Not run by go test: joining a group speaks IGMP
// on the machine's own network.
func ExampleNewUDPStream_multicast() {
	cfg := recv.DefaultConfig()
	cfg.MulticastInterfaceAddr = netip.MustParseAddr("10.0.0.5")
	group := netip.MustParseAddrPort("239.1.2.3:8888")
	s, err := recv.NewUDPStream(group, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	for {
		h, err := s.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("received heap", h.Cnt)
		h.Release()
	}
}
