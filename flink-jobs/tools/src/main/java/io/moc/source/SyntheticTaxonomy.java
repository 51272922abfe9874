package io.moc.source;

import java.util.ArrayList;
import java.util.List;

/**
 * The fixed category tree and vocabulary from which {@link SyntheticCatalog} composes items: a
 * title is an adjective of the top category, a feature of the middle category, a product noun of
 * the leaf and a size or variant of the middle category.
 */
final class SyntheticTaxonomy {

  static final List<Top> TOPS =
      List.of(
          new Top(
              "Beauty",
              words(
                  "Hydrating",
                  "Nourishing",
                  "Brightening",
                  "Soothing",
                  "Long-Lasting",
                  "Gentle",
                  "Radiant",
                  "Ultra-Light",
                  "Natural",
                  "Luxe"),
              words(
                  "Lumière", "Verdant Lab", "Petal & Pure", "Aurelia", "Dermaline", "Glow Theory"),
              List.of(
                  new Mid(
                      "Skin Care",
                      words("Rose", "Vitamin C", "Hyaluronic", "Green Tea", "Retinol", "Aloe"),
                      words("15ml", "30ml", "50ml", "100ml"),
                      List.of(
                          leaf("Face Serums", 28, "Face Serum", "Facial Oil", "Essence"),
                          leaf("Moisturizers", 24, "Face Cream", "Night Cream", "Gel Moisturizer"),
                          leaf(
                              "Cleansers",
                              14,
                              "Foaming Cleanser",
                              "Cleansing Balm",
                              "Micellar Water"))),
                  new Mid(
                      "Makeup",
                      words("Velvet", "Satin", "Waterproof", "Shimmer", "Nude", "Ruby"),
                      words("3g", "5ml", "10ml", "Travel Size"),
                      List.of(
                          leaf("Lips", 12, "Lipstick", "Lip Gloss", "Lip Liner"),
                          leaf("Eyes", 15, "Mascara", "Eyeliner", "Eyeshadow Palette"),
                          leaf("Face", 22, "Foundation", "Concealer", "Blush"))),
                  new Mid(
                      "Hair Care",
                      words("Argan Oil", "Coconut", "Keratin", "Tea Tree", "Lavender", "Biotin"),
                      words("250ml", "400ml", "500ml", "1L"),
                      List.of(
                          leaf("Shampoo", 11, "Shampoo", "Clarifying Shampoo", "Dry Shampoo"),
                          leaf("Conditioner", 12, "Conditioner", "Leave-In Conditioner"),
                          leaf("Styling", 16, "Hair Spray", "Styling Cream", "Hair Serum"))))),
          new Top(
              "Home & Kitchen",
              words(
                  "Premium",
                  "Classic",
                  "Professional",
                  "Compact",
                  "Heavy-Duty",
                  "Everyday",
                  "Deluxe",
                  "Eco-Friendly"),
              words(
                  "Hearthstone", "Oakhaven", "CulinaPro", "NestWell", "Ironbark", "Maison Claire"),
              List.of(
                  new Mid(
                      "Cookware",
                      words("Stainless Steel", "Cast Iron", "Ceramic", "Non-Stick", "Copper"),
                      words("20cm", "24cm", "28cm", "2-Piece Set"),
                      List.of(
                          leaf("Frying Pans", 35, "Frying Pan", "Skillet", "Wok"),
                          leaf("Saucepans", 45, "Saucepan", "Stock Pot", "Dutch Oven"),
                          leaf("Bakeware", 20, "Baking Sheet", "Muffin Tin", "Loaf Pan"))),
                  new Mid(
                      "Kitchen Tools",
                      words("Bamboo", "Silicone", "Stainless Steel", "Olive Wood", "Glass"),
                      words("Single", "3-Piece", "5-Piece", "Set of 12"),
                      List.of(
                          leaf("Knives", 40, "Chef Knife", "Paring Knife", "Knife Set"),
                          leaf("Utensils", 10, "Spatula", "Whisk", "Tongs"),
                          leaf("Storage", 18, "Food Container Set", "Spice Jar Set", "Bread Box"))),
                  new Mid(
                      "Bedding",
                      words("Cotton", "Linen", "Bamboo", "Sateen", "Flannel"),
                      words("Twin", "Full", "Queen", "King"),
                      List.of(
                          leaf("Sheets", 45, "Sheet Set", "Fitted Sheet", "Duvet Cover"),
                          leaf("Pillows", 30, "Pillow", "Memory Foam Pillow", "Body Pillow"),
                          leaf("Blankets", 40, "Throw Blanket", "Weighted Blanket", "Quilt"))))),
          new Top(
              "Electronics",
              words(
                  "Pro",
                  "Compact",
                  "Ultra-Slim",
                  "High-Performance",
                  "Portable",
                  "Ergonomic",
                  "Rugged",
                  "Smart"),
              words("Voltra", "Sonique", "Kinetek", "ArcLight", "Nimbus Audio", "Pixelforge"),
              List.of(
                  new Mid(
                      "Audio",
                      words(
                          "Wireless", "Noise-Cancelling", "Bluetooth 5.3", "Low-Latency", "Hi-Res"),
                      words("Black", "White", "Midnight Blue", "Silver"),
                      List.of(
                          leaf("Headphones", 80, "Over-Ear Headphones", "Earbuds", "Headset"),
                          leaf("Speakers", 70, "Bluetooth Speaker", "Soundbar", "Smart Speaker"),
                          leaf("Microphones", 60, "USB Microphone", "Lavalier Microphone"))),
                  new Mid(
                      "Computer Accessories",
                      words("RGB", "Wireless", "USB-C", "Bluetooth", "Backlit"),
                      words("Black", "Silver", "64GB", "1TB"),
                      List.of(
                          leaf("Keyboards", 60, "Mechanical Keyboard", "Wireless Keyboard"),
                          leaf("Mice", 30, "Gaming Mouse", "Wireless Mouse", "Trackball"),
                          leaf("Storage", 50, "Portable SSD", "USB Flash Drive", "Memory Card"))),
                  new Mid(
                      "Power",
                      words("Fast-Charging", "USB-C", "Braided", "Magnetic", "GaN"),
                      words("1m", "2m", "20W", "65W"),
                      List.of(
                          leaf("Chargers", 25, "Wall Charger", "Car Charger", "Charging Pad"),
                          leaf("Cables", 12, "USB-C Cable", "Lightning Cable", "HDMI Cable"),
                          leaf("Power Banks", 35, "Power Bank", "Solar Power Bank"))))),
          new Top(
              "Sports & Outdoors",
              words(
                  "Lightweight",
                  "Durable",
                  "Adjustable",
                  "All-Weather",
                  "Compact",
                  "Performance",
                  "Trail-Ready",
                  "Foldable"),
              words(
                  "Trailmark", "Summit Gear", "Flexcore", "Ridgeline", "Velo Works", "Northbound"),
              List.of(
                  new Mid(
                      "Fitness",
                      words("Non-Slip", "Cork", "Neoprene", "Cast Iron", "Recycled"),
                      words("Small", "Medium", "Large", "Pair"),
                      List.of(
                          leaf("Yoga", 25, "Yoga Mat", "Yoga Block", "Yoga Strap"),
                          leaf("Weights", 45, "Dumbbell", "Kettlebell", "Resistance Band Set"),
                          leaf("Cardio", 20, "Jump Rope", "Ab Roller", "Step Platform"))),
                  new Mid(
                      "Camping",
                      words("Insulated", "Ripstop", "Waterproof", "Ultralight", "Titanium"),
                      words("1-Person", "2-Person", "4-Person", "Family Size"),
                      List.of(
                          leaf("Tents", 120, "Dome Tent", "Backpacking Tent", "Tarp Shelter"),
                          leaf("Sleeping", 60, "Sleeping Bag", "Sleeping Pad", "Camping Pillow"),
                          leaf("Camp Kitchen", 40, "Camp Stove", "Cook Set", "Water Filter"))),
                  new Mid(
                      "Cycling",
                      words("Reflective", "Aluminium", "Carbon", "LED", "Breathable"),
                      words("S", "M", "L", "One Size"),
                      List.of(
                          leaf("Helmets", 55, "Bike Helmet", "Mountain Bike Helmet"),
                          leaf("Bike Lights", 25, "Bike Light Set", "Tail Light", "Headlight"),
                          leaf(
                              "Bike Accessories",
                              18,
                              "Bike Lock",
                              "Water Bottle Cage",
                              "Saddle Bag"))))));

  /** Every leaf category, numbered in tree order. */
  static final List<LeafRef> LEAVES = flatten(TOPS);

  private SyntheticTaxonomy() {}

  record Top(String name, String[] adjectives, String[] brands, List<Mid> mids) {}

  record Mid(String name, String[] features, String[] sizes, List<Leaf> leaves) {}

  record Leaf(String name, double basePrice, String[] nouns) {}

  record LeafRef(int index, int top, int mid, Leaf leaf) {}

  private static List<LeafRef> flatten(List<Top> tops) {
    List<LeafRef> leaves = new ArrayList<>();
    for (int t = 0; t < tops.size(); t++) {
      for (int m = 0; m < tops.get(t).mids().size(); m++) {
        for (Leaf leaf : tops.get(t).mids().get(m).leaves()) {
          leaves.add(new LeafRef(leaves.size(), t, m, leaf));
        }
      }
    }
    return List.copyOf(leaves);
  }

  private static String[] words(String... words) {
    return words;
  }

  private static Leaf leaf(String name, double basePrice, String... nouns) {
    return new Leaf(name, basePrice, nouns);
  }
}
