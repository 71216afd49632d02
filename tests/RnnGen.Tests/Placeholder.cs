namespace RnnGen.Tests;
