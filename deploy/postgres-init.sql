-- One database per service, and the web console's; each migrates its own schema at start.
CREATE DATABASE intake;
CREATE DATABASE routing;
CREATE DATABASE departments;
CREATE DATABASE notify;
CREATE DATABASE console;
