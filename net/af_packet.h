/* AF_PACKET sockets (Linux packet(7) semantics) on the two link-layer tap points of if.h.
 *
 * socket(AF_PACKET, SOCK_RAW | SOCK_DGRAM, htons(ethertype)):
 *  - SOCK_RAW moves whole frames, Ethernet header included, both ways; SOCK_DGRAM ("cooked")
 *    strips the header on receive and builds it on send from the sockaddr_ll destination.
 *  - The protocol (network byte order) selects frames by ethertype; ETH_P_ALL takes every
 *    frame and also the frames this host sends (NET_TAP_OUT, sll_pkttype PACKET_OUTGOING),
 *    except those the socket sent itself; 0 takes nothing until bind gives a protocol.
 *  - bind(sockaddr_ll) selects the interface (0 = all) and, when sll_protocol is not 0, the
 *    protocol.  recvfrom fills a sockaddr_ll (ifindex, protocol, hatype, pkttype, halen and
 *    the frame's source address).
 *  - SOL_PACKET PACKET_ADD/DROP_MEMBERSHIP (PACKET_MR_PROMISC, reference-counted per
 *    interface across sockets; PACKET_MR_ALLMULTI likewise; PACKET_MR_MULTICAST recorded),
 *    dropped on close; PACKET_STATISTICS (tp_packets: frames that passed the filter,
 *    tp_drops: those refused for lack of buffer space; reading resets both, as Linux).
 *  - SO_ATTACH_FILTER / SO_DETACH_FILTER: a classic BPF program (bpf.h), validated before it
 *    is attached, runs on the shared frame before anything is copied; its return value
 *    truncates what is queued (0 drops).  The struct sock_fprog's filter pointer must point
 *    to kernel memory: the syscall layer copies the program in first.
 *  - Sending needs no ARP: the frame goes straight to if_transmit.  A SOCK_RAW frame longer
 *    than the MTU plus the Ethernet header fails with EMSGSIZE, one shorter than the header
 *    with EINVAL.  A socket with no interface bound must name one in sockaddr_ll (ENXIO).
 *  - A frame queued to several sockets is shared by reference (m_copym), never copied.
 * Loopback frames are offered once at output (to ETH_P_ALL sockets, PACKET_OUTGOING) and once
 * as received (PACKET_HOST), as Linux's lo shows them.
 */
#ifndef NET_AF_PACKET_H
#define NET_AF_PACKET_H

struct netstack;
int packet_init(struct netstack *ns);
void packet_fini(struct netstack *ns);

#endif
