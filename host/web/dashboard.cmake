# `analytica status` and `analytica serve`, included by host/CMakeLists.txt
# after the analytica executable is defined: the serve_*.cpp sources, the
# HTTP server (cpp-httplib, a compiled library on Debian), page crops
# rendered with poppler, and the web assets embedded at build time.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
file(GLOB serve_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/serve_*.cpp)
file(GLOB web_assets CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_SOURCE_DIR}/web/*.html ${CMAKE_CURRENT_SOURCE_DIR}/web/*.css
  ${CMAKE_CURRENT_SOURCE_DIR}/web/*.js ${CMAKE_CURRENT_SOURCE_DIR}/web/*.svg)
set(web_assets_cpp ${CMAKE_CURRENT_BINARY_DIR}/serve_assets_data.cpp)
add_custom_command(OUTPUT ${web_assets_cpp}
  COMMAND ${CMAKE_COMMAND} -DWEB_DIR=${CMAKE_CURRENT_SOURCE_DIR}/web -DOUT=${web_assets_cpp}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/web/embed.cmake
  DEPENDS ${web_assets} ${CMAKE_CURRENT_SOURCE_DIR}/web/embed.cmake
  COMMENT "Embedding the dashboard's web assets"
  VERBATIM)
target_sources(analytica PRIVATE ${serve_sources} ${web_assets_cpp})
target_link_libraries(analytica PRIVATE PkgConfig::HTTPLIB PkgConfig::POPPLER_CPP)
