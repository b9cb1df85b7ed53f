// Capabilities and identity: checked to explain an EPERM, dropped once every socket is open.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace pmtud::io {

// Whether the calling thread has capability cap (CAP_NET_ADMIN, ...) in its effective set.
bool has_capability(int cap) noexcept;

struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
};

// The user's uid and primary group; false with a one-line error when there is no such user.
bool lookup_user(const std::string& name, Identity& out, std::string& error);

// What the helper still needs once its sockets are open: nothing, except CAP_NET_ADMIN when it
// reads the nftables counters (nfnetlink checks it on every request). recv, sendmmsg,
// re-binding an existing AF_PACKET socket, SIOCGIF* ioctls and reading the config file need no
// capability.
struct PrivilegeDrop {
    bool keep_net_admin = false;
    std::optional<Identity> user;  // switch to it (needs root); supplementary groups dropped
};

// Sets no_new_privs; switches user if asked (keeping the one capability across setuid); leaves
// exactly the kept capability in the effective and permitted sets, none inheritable or
// ambient; and, when the process may (CAP_SETPCAP, i.e. started as root), reduces the bounding
// set to it too. Under systemd the unit's CapabilityBoundingSet= has done that already.
bool drop_privileges(const PrivilegeDrop& drop, std::string& error);

}  // namespace pmtud::io
