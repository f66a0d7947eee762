package dev.gatehouse.cli; public class Main { public static void main(String[] a){} }
