#pragma once
// The HTTP message types route handlers see: Beast's string-bodied request and response.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace mink::http {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;
using status = boost::beast::http::status;
using verb = boost::beast::http::verb;

}  // namespace mink::http
