#include "peers_load.hpp"

#include <cstring>

#include "io/text_file.hpp"

namespace pmtud {
namespace {

// 4096 addresses of up to 39 characters, with room for comments.
constexpr std::size_t kMaxPeersFileBytes = 4U << 20;

}  // namespace

std::string peers_file_path(const Config& config, const std::string& config_path) {
    if (config.peers_file.empty() || config.peers_file.front() == '/') return config.peers_file;
    const std::size_t slash = config_path.rfind('/');
    if (slash == std::string::npos) return config.peers_file;
    return config_path.substr(0, slash + 1) + config.peers_file;
}

bool read_peers(const Config& config, const std::string& config_path, AddressList& out,
                std::string& error) {
    const std::string path = peers_file_path(config, config_path);
    AddressList from_file;
    if (!path.empty()) {
        std::string text;
        if (const int err = io::read_text_file(path, text, kMaxPeersFileBytes); err != 0) {
            error = "peers_file " + path + ": " + std::strerror(err);
            return false;
        }
        PeersFileError file_error;
        if (!parse_peers_file(text, from_file, file_error)) {
            error = path;
            if (file_error.line > 0) error += ":" + std::to_string(file_error.line);
            error += ": " + file_error.message;
            return false;
        }
    }
    AddressList all;
    if (!merge_peers(config.peers, from_file, all, error)) {
        error = "peers and peers_file " + path + ": " + error;
        return false;
    }
    if (!config.broadcast && all.empty()) {
        error = "broadcast = no needs at least one peer, and peers_file " + path + " lists none";
        return false;
    }
    out = std::move(all);
    return true;
}

}  // namespace pmtud
