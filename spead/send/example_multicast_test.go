package send_test

import (
	"context"
	"log"
	"net"
	"net/netip"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
)

// Send to a multicast group: the packets may cross up to 4 routers and
// leave by eth0 (by address, set MulticastInterfaceAddr instead). Zero
// fields mean the system's defaults: a TTL of 1 and the interface of the
// route to the group. Not run by go test: it would send on the machine's
// own network.
func ExampleNewUDPStream_multicast() {
	eth0, err := net.InterfaceByName("eth0")
	if err != nil {
		log.Fatal(err)
	}
	cfg := send.Config{MulticastTTL: 4, MulticastInterfaceIndex: eth0.Index}
	group := netip.MustParseAddrPort("239.1.2.3:8888")
	s, err := send.NewUDPStream([]netip.AddrPort{group}, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SendHeap(context.Background(), spead.EndOfStream(spead.DefaultFlavour)); err != nil {
		log.Fatal(err)
	}
}
