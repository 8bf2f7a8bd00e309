/* The TAP link: a stack instance's Ethernet interface backed by a Linux TAP device, and a
 * netisr thread that moves frames between them and runs the instance's timers.
 *
 *   char err[256];
 *   struct tap_link *t = tap_open(ns, "tap0", "eth0", mac, "/tmp/x.pcap", err, sizeof(err));
 *   ... configure addresses (the interface is up), tap_start(t) ...
 *   tap_close(t);               (stops the thread, detaches nothing: destroy the instance after)
 *
 * Receive: the thread reads frames from the TAP fd and hands them to if_input, then runs the
 * netisr and due timers.  Transmit: the interface's if_start (called by the stack with the net
 * lock held, from whichever thread sent) writes frames to the TAP fd.  A kick (loopback
 * traffic, a frame queued by another thread) wakes the thread through a pipe.
 * The instance must use the real clock.  tap_dev_open is the libc half (tap_dev.c).
 */
#ifndef HOST_TAP_H
#define HOST_TAP_H
#include <stddef.h>
#include <stdint.h>

struct netstack;
struct ifnet;
struct tap_link;

/* Opens an existing TAP device; returns its fd, or -1 with a readable message in err. */
int tap_dev_open(const char *name, char *err, size_t errlen);

/* Opens the device and attaches an Ethernet interface `ifname` (up) on ns.  pcap_path (may
 * be NULL) records every frame crossing the link.  NULL with a message in err on failure. */
struct tap_link *tap_open(struct netstack *ns, const char *tapname, const char *ifname,
    const uint8_t mac[6], const char *pcap_path, char *err, size_t errlen);
struct ifnet *tap_ifnet(struct tap_link *t);
/* Starts the netisr thread.  0 or -1. */
int tap_start(struct tap_link *t);
/* Stops the thread and closes the device and the pcap file. */
void tap_close(struct tap_link *t);
/* Frames read from / written to the device, and frames dropped (write errors, no mbufs). */
void tap_counters(struct tap_link *t, uint64_t *rx, uint64_t *tx, uint64_t *drops);

/* Fault injection on the link (stosnet --fault): f (may be NULL; owned by the caller, kept
 * until tap_close) decides loss and duplication of each frame in either direction; and from
 * frame number burst_at on (both directions counted together from the first), every frame is
 * lost for burst_ns nanoseconds: an outage (burst_ns 0: none).  Call before tap_start.
 * tap_fault_lost counts the frames dropped, tap_fault_marked the frames f marked CE. */
struct fault;
void tap_set_fault(struct tap_link *t, struct fault *f, uint64_t burst_at, uint64_t burst_ns);
uint64_t tap_fault_lost(struct tap_link *t);
uint64_t tap_fault_marked(struct tap_link *t);

#endif
