-- One database per service; each service migrates its own schema at start.
CREATE DATABASE intake;
CREATE DATABASE routing;
CREATE DATABASE departments;
CREATE DATABASE notify;
