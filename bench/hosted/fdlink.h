/* fdlink: an Ethernet interface whose wire is a datagram descriptor carrying one frame per
 * message (the socketpair harness, sp.h).
 *
 * Transmit (if_start, net lock held) hands each frame's buffers (its mbufs, or a cut piece's
 * headers and payload spans) to sp_frame_sendv, which gathers them into one frame buffer and
 * writes it with one send(), as the no-stack backend does.  When the descriptor would block, the
 * frame stays with the link (fdlink_tx_blocked) until fdlink_tx_resume, like a NIC whose
 * descriptor ring is full; nothing is dropped.  Receive (fdlink_rx) reads each frame straight
 * into a cluster mbuf, as a NIC's DMA would, and queues it with if_input; netisr_run then runs
 * the receive path (so frames are at most MCLBYTES - 2 = 2046 bytes: MSS 1992 at most; a
 * longer frame is counted in ierrors and dropped).  Transmit offloads in software: the link
 * advertises CSUM_IP, CSUM_TCP and CSUM_TSO, so TCP hands it segments of up to 64 KiB, which
 * fdlink_start cuts into MSS-sized frames with complete checksums as it sends them, each
 * gathered from its headers and the large segment's own buffers (tcp_gso_cut, net/tcp_gso.h:
 * no mbuf per frame, as a NIC's TSO reads the payload in place); the stack
 * computes every other checksum and verifies every received one.
 */
#ifndef BENCH_FDLINK_H
#define BENCH_FDLINK_H
#include <stdint.h>

struct netstack;
struct fdlink;

/* Attaches "eth0" to ns over fd with the given MAC, IP MTU and address/24, up.  NULL on
 * failure.  The ifnet belongs to ns; free the link after destroying ns. */
struct fdlink *fdlink_new(struct netstack *ns, int fd, const uint8_t mac[6], uint32_t mtu,
    uint32_t addr);
/* Reads up to max waiting frames into the input queue.  Returns the number read, or -1 when
 * the peer closed its end (or on a read error).  Takes no net lock. */
int fdlink_rx(struct fdlink *l, unsigned max);
/* Frames are waiting for the descriptor to accept them. */
int fdlink_tx_blocked(const struct fdlink *l);
/* Retries the waiting frames and the rest of the send queue.  Takes the net lock. */
void fdlink_tx_resume(struct fdlink *l);
/* Frames written and read, and write errors (the peer gone). */
uint64_t fdlink_tx_frames(const struct fdlink *l);
uint64_t fdlink_rx_frames(const struct fdlink *l);
uint64_t fdlink_errors(const struct fdlink *l);
void fdlink_free(struct fdlink *l);

#endif
