#pragma once
// An upgraded WebSocket connection as the interactive conversations see it (server/
// live_session.hpp): read a message, write a message, close with a code. The session
// (http_session.hpp) makes one over its stream, TCP or unix; what is said over it is the
// conversation's business. One read and one write may be outstanding at once (Beast allows
// exactly that); writes are the conversation's main loop's only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace runbox::server {

class WsChannel {
 public:
  virtual ~WsChannel() = default;
  virtual boost::asio::any_io_executor executor() = 0;
  // The next whole message; nullopt when the peer closed, the connection failed, or the message
  // was over the size limit (too_large() then says so).
  virtual boost::asio::awaitable<std::optional<std::string>> read() = 0;
  virtual bool too_large() const = 0;
  // False when the connection is gone.
  virtual boost::asio::awaitable<bool> write(std::string text) = 0;
  virtual boost::asio::awaitable<void> close(std::uint16_t code, std::string reason) = 0;
  // Ends a read that is waiting (from the main loop, when the run is over).
  virtual void cancel_read() = 0;
};

// What runs on an upgraded connection.
class WsConversation {
 public:
  virtual ~WsConversation() = default;
  virtual boost::asio::awaitable<void> run(WsChannel& channel) = 0;
};

}  // namespace runbox::server
