# What `cmake --install` puts where (Debian layout with -DCMAKE_INSTALL_PREFIX=/usr):
#   /usr/sbin/newsmill-*            daemons          (stage CMakeLists)
#   /usr/bin/newsmill               the tool         (cli/CMakeLists)
#   /usr/lib/systemd/system/        units and newsmill.target
#   /etc/newsmill/newsmill.ini      configuration (installed once, never overwritten)
#   /etc/newsmill/newsmill.ini.example
#   /etc/newsmill/credentials/<worker>/   secrets per worker (0700; LoadCredential=)
#   /etc/newsmill/curve/            CURVE allow-list (allowed_clients)
#   /usr/share/newsmill/prompts/    LLM prompt templates
#   /usr/share/newsmill/postgres/   roles.sql and apply-roles.sh
#   /usr/share/doc/newsmill/        README.md, operations.md
#
# The units in deploy/systemd name /usr/sbin and /etc/newsmill; for another
# prefix the installed copies are rewritten to the configured directories,
# so a unit always starts the binary installed next to it.
set(NM_UNIT_DIR ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
set(NM_ETC_DIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/newsmill)
file(GLOB NM_UNITS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/deploy/systemd/*.service
                                     ${PROJECT_SOURCE_DIR}/deploy/systemd/*.target)
foreach(unit ${NM_UNITS})
  get_filename_component(name ${unit} NAME)
  file(READ ${unit} text)
  string(REPLACE "/usr/sbin/" "${CMAKE_INSTALL_FULL_SBINDIR}/" text "${text}")
  string(REPLACE "/etc/newsmill/" "${NM_ETC_DIR}/" text "${text}")
  string(REPLACE "/usr/share/doc/newsmill/" "${CMAKE_INSTALL_FULL_DOCDIR}/" text "${text}")
  file(WRITE ${PROJECT_BINARY_DIR}/systemd/${name} "${text}")
  install(FILES ${PROJECT_BINARY_DIR}/systemd/${name} DESTINATION ${NM_UNIT_DIR})
endforeach()

install(FILES ${PROJECT_SOURCE_DIR}/deploy/newsmill.ini.example DESTINATION ${NM_ETC_DIR})
install(CODE "
  set(ini \"\$ENV{DESTDIR}${NM_ETC_DIR}/newsmill.ini\")
  if(NOT EXISTS \"\${ini}\")
    file(INSTALL \"${PROJECT_SOURCE_DIR}/deploy/newsmill.ini.example\" DESTINATION \"${NM_ETC_DIR}\"
         RENAME newsmill.ini PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()")
foreach(worker publisher fetcher parser summarizer)
  install(DIRECTORY DESTINATION ${NM_ETC_DIR}/credentials/${worker}
          DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
endforeach()
install(CODE "file(CHMOD \"\$ENV{DESTDIR}${NM_ETC_DIR}/credentials\"
                    DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)")
install(DIRECTORY DESTINATION ${NM_ETC_DIR}/curve)
# deploy/prompts is installed by summarizer/extra.cmake (the summarizer knows the path).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/postgres/ DESTINATION ${CMAKE_INSTALL_DATADIR}/newsmill/postgres
        USE_SOURCE_PERMISSIONS)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
if(EXISTS ${PROJECT_SOURCE_DIR}/docs/operations.md)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
endif()
