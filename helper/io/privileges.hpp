// Capabilities: checked to explain an EPERM, dropped once every socket is open.
#pragma once

#include <string>

namespace pmtud::io {

// Whether the calling thread has capability cap (CAP_NET_ADMIN, ...) in its effective set.
bool has_capability(int cap) noexcept;

// Clears the effective, permitted and inheritable sets and sets no_new_privs. What the helper
// still does afterwards (recv, sendmmsg, re-binding an existing AF_PACKET socket, SIOCGIF*
// ioctls, reading the config file) needs no capability.
bool drop_capabilities(std::string& error);

}  // namespace pmtud::io
